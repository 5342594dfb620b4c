#!/usr/bin/env bash
# Run `pytest --trace-optimize` on a sample project, in a fresh git repository.
#
#   bash sample_projects/demo.sh [pricing|thermo] [--scripted]
#
# The sample is copied into a new temporary git repository (this repository's history is
# never touched), its tests run with --trace-optimize, and the fix branch is shown.
# The LLM endpoint comes from OPENAI_API_KEY / OPENAI_BASE_URL. With --scripted, a local
# OpenAI-compatible server on 127.0.0.1 answers with the recorded answer in
# sample_projects/scripted/<sample>.json instead, so the demo runs offline.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
name=${1:-pricing}
mode=${2:-}
python=${PYTHON:-python3}
if [ ! -d "$here/$name" ] || [ "$name" = scripted ]; then
  echo "demo.sh: no sample project '$name' (try: pricing, thermo)" >&2
  exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/pytest-trace-demo-XXXXXX")
cp -R "$here/$name/." "$work/"
cd "$work"
git init -q
git add -A
GIT_AUTHOR_NAME="pytest-trace demo" GIT_AUTHOR_EMAIL="demo@localhost" \
GIT_COMMITTER_NAME="pytest-trace demo" GIT_COMMITTER_EMAIL="demo@localhost" \
  git commit -qm "Sample project $name"

server_pid=""
aux=$(mktemp -d "${TMPDIR:-/tmp}/pytest-trace-demo-server-XXXXXX")
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$aux"; }
trap cleanup EXIT
if [ "$mode" = "--scripted" ]; then
  "$python" "$here/../tests/fake_openai.py" --answer-file "$here/scripted/$name.json" \
    --port 0 > "$aux/url" 2> "$aux/log" &
  server_pid=$!
  for _ in $(seq 200); do [ -s "$aux/url" ] && break; sleep 0.05; done
  if [ ! -s "$aux/url" ]; then
    echo "demo: the scripted server did not start:" >&2; cat "$aux/log" >&2; exit 1
  fi
  export OPENAI_BASE_URL; OPENAI_BASE_URL=$(head -n 1 "$aux/url")
  export OPENAI_API_KEY=scripted
  echo "demo: scripted OpenAI-compatible server at $OPENAI_BASE_URL"
fi

echo "demo: sample project '$name' in the git repository $work"
echo "demo: \$ pytest --trace-optimize --trace-report=.git/trace-report.json"
"$python" -m pytest --trace-optimize --trace-report=.git/trace-report.json -p no:cacheprovider \
  || true

branches=$(git for-each-ref --format='%(refname:short)' 'refs/heads/trace-fix/*')
echo
if [ -z "$branches" ]; then
  echo "demo: no fix branch was written (see the pytest-trace section above)."
  exit 1
fi
for branch in $branches; do
  echo "demo: fix branch $branch:"
  git --no-pager log --format="  %h %s" "HEAD..$branch"
  git --no-pager diff "HEAD..$branch"
done
echo "demo: the working tree is untouched:"
git status --short --branch
echo "demo: review it yourself with: cd $work && git diff HEAD..${branches%%$'\n'*}"
