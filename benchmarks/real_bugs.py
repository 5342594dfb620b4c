"""The bugs ``real_libraries.py`` seeds, one at a time, into libraries downloaded from PyPI.

Every entry is one small edit of the library's own code, written down with its provenance
(library and version, file, function, the edit, the kind of bug) **before** the search
was run on it, and the inputs that judge a fix: ``probes`` are expressions evaluated on
the original and on the healed code (each copy imported on its own), ``given`` is the
source of a dict of Hypothesis strategies for the names the probes use. The strategies
are evaluated with the *original* library in scope (so ``st.builds(isodate.date_isoformat,
...)`` draws strings the original writes) and with ``st``, ``date``, ``datetime``, ``time``,
``timedelta``, ``timezone`` and ``Decimal``.

Kinds: ``constant`` (a wrong constant), ``off-by-one``, ``swap`` (two arguments or
operands exchanged), ``operator`` (a wrong arithmetic operator), ``comparison`` (a wrong
comparison operator), ``guard`` (a guard or branch missing, the right edit is small),
``boolean`` (a wrong boolean operator or a ``not`` too many), ``method`` (a wrong method
called); ``raises`` is added when a test the bug makes fail expects an exception,
``private`` when the edit is in a ``_private`` helper.

History: the seven ``inflection`` bugs came first (two search operators were added after
the search failed on ``ordinal-abs`` and ``underscore-lower``), the six ``humanize`` bugs
were chosen before the search ever ran on ``humanize``; the ``roman``, ``isodate``,
``semver`` and ``toolz`` bugs and every entry's probes were chosen and committed before
the search ran on any of them. The sizes ``naturalsize`` is probed with gained the
boundary values (999, 1000, 1024, ...) after ``--check-seeds`` showed that the first
strategy could not tell ``size-bytes-le`` from the original; ``iso-month-bound`` replaced
``iso-duration-unit`` (``Decimal(groups[key][:-1]`` → ``[:-2]`` in ``parse_duration``)
after ``--check-seeds`` showed that it breaks the collection of isodate's tests rather
than failing one; and the strategies stopped drawing ``isodate.Duration`` objects (an
object of the original passed to the healed copy is not an instance of its class). After
the first run, the duration strings gained alternative-format dates that do not start
with ``P``: without them the judge called ``if not datestring.endswith("P")`` correct;
and the bugs in private helpers gained a probe of the helper itself: without it the judge
called correct a fix of ``iso-strfdt-swap`` that swaps the arguments back in the caller.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bug:
    id: str
    file: str  # relative to the unpacked sdist
    function: str  # where the edit is
    kind: str
    correct: str  # the original text, exactly once in the file
    buggy: str
    probes: tuple[str, ...]
    given: str  # a dict of strategies, as Python source


@dataclass(frozen=True)
class Library:
    sdist: str  # name==version
    imports: tuple[str, ...]  # modules the probes use
    tests: tuple[str, ...]  # what the optimizer runs
    checks: tuple[str, ...]  # what judges a fix: the whole test suite and the doctests
    bugs: tuple[Bug, ...]
    pythonpath: str = ""  # for a src layout without installing
    pytest_args: tuple[str, ...] = ()  # PYTEST_ADDOPTS of every pytest run on the library


INFLECTION_TEXT = 'st.text("abcXYZ_- :/1", max_size=12)'
HUMANIZE_SIZE = (
    "{'v': st.one_of(st.integers(-10**15, 10**15), st.floats(-1e15, 1e15),"
    " st.sampled_from([0, 1, 999, 1000, 1001, 1023, 1024, 1025, 10**6, 2**20, -1000, -1024]),"
    " st.integers(-3000, 3000)),"
    " 'b': st.booleans(), 'g': st.booleans()}"
)
ROMAN = (
    "{'n': st.integers(-5, 5005), 'b': st.booleans(),"
    " 's': st.one_of(st.integers(0, 4999).map(roman.toRoman),"
    " st.text('IVXLCDMNivxm', max_size=6))}"
)
ROMAN_PROBES = ("roman.toRoman(n)", "roman.fromRoman(s, special_case=b)")
ISODATE_FORMATS = (
    "st.sampled_from([isodate.DATE_BAS_COMPLETE, isodate.DATE_EXT_COMPLETE,"
    " isodate.DATE_BAS_WEEK_COMPLETE, isodate.DATE_EXT_WEEK_COMPLETE,"
    " isodate.DATE_BAS_ORD_COMPLETE, isodate.DATE_EXT_ORD_COMPLETE, isodate.DATE_BAS_WEEK,"
    " isodate.DATE_EXT_WEEK, isodate.DATE_EXT_MONTH, isodate.DATE_YEAR, isodate.DATE_CENTURY])"
)
ISODATE_DATES = (
    f"{{'s': st.builds(isodate.date_isoformat, st.dates(), {ISODATE_FORMATS}),"
    f" 'x': st.builds(isodate.date_isoformat, st.dates(), {ISODATE_FORMATS}, st.just(6))}}"
)
ISODATE_DATE_PROBES = ("isodate.parse_date(s)", "isodate.parse_date(x, 6)")
ISODATE_DURATIONS = (
    "{'s': st.one_of("
    "st.builds(isodate.duration_isoformat, st.timedeltas()),"
    r" st.from_regex(r'\A-?P(\d{1,3}Y)?(\d{1,2}M)?(\d{1,2}W)?(\d{1,2}D)?"
    r"(T(\d{1,2}H)?(\d{1,2}M)?(\d{1,2}([.,]\d{1,3})?S)?)?\Z'),"
    " st.builds(lambda c, d: c + d.strftime('%Y-%m-%dT%H:%M:%S'), st.sampled_from('PPX1-'),"
    " st.datetimes()),"
    " st.text('P0123456789YMWDTHS.-:', max_size=14)),"
    " 't': st.timedeltas(), 'u': st.tuples(st.integers(-400, 400), st.integers(-50, 50),"
    " st.integers(-20, 20), st.integers(-5, 5))}"
)
ISODATE_DURATION_PROBES = (
    "isodate.parse_duration(s)",
    "isodate.duration_isoformat(isodate.parse_duration(s))",
    "isodate.duration_isoformat(t)",
    "isodate.duration_isoformat(isodate.Duration(days=u[0], hours=u[1], months=u[2], years=u[3]))",
)
SEMVER_VERSIONS = (
    "st.builds(lambda a, b, c, p, m: str(semver.Version(a, b, c, p, m)),"
    " st.integers(0, 1), st.integers(0, 1), st.integers(0, 2),"
    " st.none() | st.lists(st.sampled_from(['alpha', 'beta', 'rc', '0', '1', '2', '10', 'a1']),"
    " min_size=1, max_size=3).map('.'.join),"
    " st.none() | st.sampled_from(['build', 'b.1', '7', 'x.y9']))"
)
SEMVER_COMPARE = f"{{'a': {SEMVER_VERSIONS}, 'b': {SEMVER_VERSIONS}}}"
SEMVER_COMPARE_PROBES = ("semver.Version.parse(a).compare(b)", "semver.compare(a, b)")
SEMVER_PRIVATE = (
    "semver.Version._nat_cmp(semver.Version.parse(a).prerelease,"
    " semver.Version.parse(b).prerelease)",
)
SEMVER_BUMPS = (
    f"{{'v': {SEMVER_VERSIONS}, 't': st.sampled_from(['rc', '', None, 'alpha.1', 'b']),"
    " 'e': st.booleans(), 'p': st.sampled_from(['major', 'minor', 'patch', 'prerelease'])}"
)
SEMVER_BUMP_PROBES = (
    "str(semver.Version.parse(v).bump_prerelease(t, bump_when_empty=e))",
    "str(semver.Version.parse(v).bump_build(t))",
    "str(semver.Version.parse(v).next_version(p))",
)
SEMVER_NEW = (
    "{'a': st.integers(-3, 5), 'b': st.integers(-3, 5), 'c': st.integers(-3, 5),"
    " 'k': st.integers(230, 260)}"
)
SEMVER_NEW_PROBES = ("str(semver.Version(a, b, c))", "str(semver.Version(1, 0, 0, None, 'b' * k))")
TOOLZ_GET = (
    "{'i': st.one_of(st.integers(-4, 4), st.lists(st.integers(-4, 4), max_size=3)),"
    " 'q': st.one_of(st.lists(st.integers(), max_size=4), st.text(max_size=4)),"
    " 'qs': st.lists(st.lists(st.integers(), max_size=4), max_size=4),"
    " 'd': st.none() | st.integers()}"
)
TOOLZ_GET_PROBES = (
    "toolz.get(i, q)",
    "toolz.get(i, q, d)",
    "list(toolz.pluck(i, qs))",
    "list(toolz.pluck(i, qs, d))",
)
TOOLZ_SEQ = (
    "{'n': st.integers(1, 5), 'k': st.integers(0, 4),"
    " 'q': st.lists(st.integers(0, 6), max_size=12),"
    " 'qs': st.lists(st.lists(st.integers(0, 9), max_size=5).map(sorted), max_size=4)}"
)

LIBRARIES = (
    Library(
        "inflection==0.5.1",
        imports=("inflection",),
        tests=("test_inflection.py",),
        checks=("test_inflection.py", "inflection", "--doctest-modules"),
        bugs=(
            Bug("ordinal-modulus", "inflection/__init__.py", "ordinal", "constant",
                "if number % 100 in (11, 12, 13):", "if number % 10 in (11, 12, 13):",
                ("inflection.ordinal(n)", "inflection.ordinalize(n)"),
                "{'n': st.integers(-2000, 2000)}"),
            Bug("camelize-lower", "inflection/__init__.py", "camelize", "method",
                "return string[0].lower() + camelize(string)[1:]",
                "return string[0].upper() + camelize(string)[1:]",
                ("inflection.camelize(s, u)",),
                f"{{'s': {INFLECTION_TEXT}, 'u': st.booleans()}}"),
            Bug("parameterize-not", "inflection/__init__.py", "parameterize", "boolean",
                "    if separator:\n        re_sep", "    if not separator:\n        re_sep",
                ("inflection.parameterize(s, p)",),
                f"{{'s': {INFLECTION_TEXT}, 'p': st.sampled_from(['-', '_', '', '+'])}}"),
            Bug("dasherize-args", "inflection/__init__.py", "dasherize", "swap",
                "return word.replace('_', '-')", "return word.replace('-', '_')",
                ("inflection.dasherize(s)",), f"{{'s': {INFLECTION_TEXT}}}"),
            Bug("humanize-upper", "inflection/__init__.py", "humanize", "method",
                'lambda m: m.group(0).upper(), word)', 'lambda m: m.group(0).lower(), word)',
                ("inflection.humanize(s)",), f"{{'s': {INFLECTION_TEXT}}}"),
            Bug("ordinal-abs", "inflection/__init__.py", "ordinal", "guard",
                "number = abs(int(number))", "number = int(number)",
                ("inflection.ordinal(n)", "inflection.ordinalize(n)"),
                "{'n': st.integers(-2000, 2000)}"),
            Bug("underscore-lower", "inflection/__init__.py", "underscore", "method",
                "    return word.lower()\n\n\n_irregular", "    return word\n\n\n_irregular",
                ("inflection.underscore(s)",), f"{{'s': {INFLECTION_TEXT}}}"),
        ),
    ),
    Library(
        "humanize==4.17.0",
        imports=("humanize",),
        tests=("tests/test_filesize.py", "tests/test_lists.py", "tests/test_number.py"),
        checks=(
            # test_time.py and test_i18n.py need freezegun, test_benchmarks.py
            # pytest-codspeed; the doctests of time.py depend on today's date
            "tests", "--ignore=tests/test_time.py", "--ignore=tests/test_i18n.py",
            "--ignore=tests/test_benchmarks.py", "src/humanize/filesize.py",
            "src/humanize/lists.py", "src/humanize/number.py", "--doctest-modules",
        ),
        pythonpath="src",
        bugs=(
            Bug("size-base-and", "src/humanize/filesize.py", "naturalsize", "boolean",
                "base = 1024 if (gnu or binary) else 1000",
                "base = 1024 if (gnu and binary) else 1000",
                ("humanize.naturalsize(v, b, g)",), HUMANIZE_SIZE),
            Bug("size-bytes-le", "src/humanize/filesize.py", "naturalsize", "comparison",
                "    if abs_bytes < base:", "    if abs_bytes <= base:",
                ("humanize.naturalsize(v, b, g)",), HUMANIZE_SIZE),
            Bug("size-suffix-index", "src/humanize/filesize.py", "naturalsize", "off-by-one",
                "_(suffix[exp - 1])", "_(suffix[exp])",
                ("humanize.naturalsize(v, b, g)",), HUMANIZE_SIZE),
            Bug("list-join-slice", "src/humanize/lists.py", "natural_list", "off-by-one",
                '", ".join(item_list[:-1])', '", ".join(item_list[:-2])',
                ("humanize.natural_list(q)",),
                "{'q': st.lists(st.text('abc', max_size=3), max_size=5)}"),
            Bug("clamp-token", "src/humanize/number.py", "clamp", "swap",
                "        value = floor\n        token = floor_token",
                "        value = floor\n        token = ceil_token",
                ("humanize.clamp(v, floor=f, ceil=c)",),
                "{'v': st.floats(-100, 100), 'f': st.none() | st.floats(-50, 0),"
                " 'c': st.none() | st.floats(0, 50)}"),
            Bug("apnumber-bound", "src/humanize/number.py", "apnumber", "comparison",
                "if not 0 <= value < 10:", "if not 0 <= value <= 10:",
                ("humanize.apnumber(v)",), "{'v': st.integers(-5, 30)}"),
        ),
    ),
    Library(
        "roman==5.2",
        imports=("roman",),
        tests=("src/tests.py",),
        checks=("src/tests.py",),  # no doctests
        pythonpath="src",
        bugs=(
            Bug("roman-zero-guard", "src/roman/__init__.py", "fromRoman", "guard raises",
                "if s == 'N' and special_case:", "if s == 'N':", ROMAN_PROBES, ROMAN),
            Bug("roman-while-ge", "src/roman/__init__.py", "toRoman", "comparison",
                "while n >= integer:", "while n > integer:", ROMAN_PROBES, ROMAN),
            Bug("roman-range-zero", "src/roman/__init__.py", "toRoman", "constant",
                "if not (-1 < n < 5000):", "if not (0 < n < 5000):", ROMAN_PROBES, ROMAN),
            Bug("roman-upper", "src/roman/__init__.py", "fromRoman", "method",
                "s = s.upper()", "s = s.lower()", ROMAN_PROBES, ROMAN),
        ),
    ),
    Library(
        "isodate==0.7.2",
        imports=("isodate",),
        tests=("tests",),
        checks=("tests", "src/isodate", "--doctest-modules"),
        pythonpath="src",
        bugs=(
            Bug("iso-century", "src/isodate/isodates.py", "parse_date", "constant",
                'int(groups["century"]) * 100 + 1', 'int(groups["century"]) * 10 + 1',
                ISODATE_DATE_PROBES, ISODATE_DATES),
            Bug("iso-ordinal-day", "src/isodate/isodates.py", "parse_date", "off-by-one",
                'timedelta(days=int(groups["day"]) - 1)', 'timedelta(days=int(groups["day"]))',
                ISODATE_DATE_PROBES, ISODATE_DATES),
            Bug("iso-date-sign", "src/isodate/isodates.py", "parse_date", "comparison",
                'sign = (groups["sign"] == "-" and -1) or 1',
                'sign = (groups["sign"] != "-" and -1) or 1',
                ISODATE_DATE_PROBES, ISODATE_DATES),
            Bug("iso-week-one", "src/isodate/isodates.py", "parse_date", "boolean",
                "(((isotuple[1] == 1) and 1) or 0)", "(((isotuple[1] == 1) or 1) or 0)",
                ISODATE_DATE_PROBES, ISODATE_DATES),
            Bug("iso-leap-or", "src/isodate/duration.py", "max_days_in_month", "boolean",
                "((year % 100) != 0) and ((year % 4) == 0)",
                "((year % 100) != 0) or ((year % 4) == 0)",
                ("isodate.duration.max_days_in_month(y, m)", "d + isodate.Duration(months=k)"),
                "{'y': st.integers(1, 4000), 'm': st.integers(1, 12),"
                " 'd': st.dates(max_value=date(9000, 1, 1)), 'k': st.integers(-30, 30)}"),
            Bug("iso-duration-and", "src/isodate/isoduration.py", "parse_duration", "boolean",
                'groups["years"] == 0 and groups["months"] == 0',
                'groups["years"] == 0 or groups["months"] == 0',
                ISODATE_DURATION_PROBES, ISODATE_DURATIONS),
            Bug("iso-month-bound", "src/isodate/duration.py", "Duration.__add__",
                "off-by-one",
                "+ self.months\n            carry, newmonth = fquotmod(newmonth, 1, 13)",
                "+ self.months\n            carry, newmonth = fquotmod(newmonth, 1, 12)",
                ("d + isodate.Duration(months=k, years=a)", "d - isodate.Duration(months=k)"),
                "{'d': st.dates(min_value=date(10, 1, 1), max_value=date(9000, 1, 1)),"
                " 'k': st.integers(-30, 30), 'a': st.integers(-5, 5)}"),
            Bug("iso-duration-alt", "src/isodate/isoduration.py", "parse_duration",
                "method raises", 'if datestring.startswith("P"):',
                'if datestring.endswith("P"):', ISODATE_DURATION_PROBES, ISODATE_DURATIONS),
            Bug("iso-strf-days", "src/isodate/isostrf.py", "_strfduration", "constant private",
                "days, hours = divmod(hours, 24)", "days, hours = divmod(hours, 12)",
                (*ISODATE_DURATION_PROBES, "isodate.isostrf._strfduration(t, 'P%P')"),
                ISODATE_DURATIONS),
            Bug("iso-strfdt-swap", "src/isodate/isostrf.py", "_strfdt", "swap private",
                "return STRF_DT_MAP[match.group(0)](tdt, yeardigits)",
                "return STRF_DT_MAP[match.group(0)](yeardigits, tdt)",
                ("isodate.strftime(x, f)", "isodate.datetime_isoformat(y)",
                 "isodate.isostrf._strfdt(x, f)"),
                "{'x': st.one_of(st.dates(), st.datetimes(), st.times()),"
                " 'y': st.datetimes(), 'f': st.sampled_from(['%Y-%m-%d', '%H:%M:%S.%f',"
                " '%Y%jT%H', '%C %W %w', '%d.%m.%Y', '%%'])}"),
            Bug("iso-tz-sign", "src/isodate/isotzinfo.py", "tz_isoformat", "comparison",
                'sign = ((seconds < 0) and "-") or "+"', 'sign = ((seconds > 0) and "-") or "+"',
                ("isodate.tz_isoformat(datetime(2000, 1, 1, tzinfo=z), f)",
                 "isodate.datetime_isoformat(datetime(2000, 1, 1, tzinfo=z))"),
                "{'z': st.builds(lambda m: timezone(timedelta(minutes=m)),"
                " st.integers(-1439, 1439)), 'f': st.sampled_from(['%Z', '%z', '%h'])}"),
        ),
    ),
    Library(
        "semver==3.2.0",
        imports=("semver",),
        tests=("tests",),
        checks=("tests", "src/semver", "--doctest-modules", "-p", "conftest"),
        pythonpath="src",
        pytest_args=("-o", "addopts=--import-mode=importlib"),  # no pytest-cov
        bugs=(
            Bug("semver-nat-swap", "src/semver/version.py", "_nat_cmp", "swap private",
                "return _cmp(len(a_parts), len(b_parts))",
                "return _cmp(len(b_parts), len(a_parts))",
                SEMVER_COMPARE_PROBES + SEMVER_PRIVATE, SEMVER_COMPARE),
            Bug("semver-key-method", "src/semver/version.py", "_prerelease_key",
                "method private", "if not identifier.isdecimal():",
                "if not identifier.isalpha():", SEMVER_COMPARE_PROBES + SEMVER_PRIVATE,
                SEMVER_COMPARE),
            Bug("semver-compare-rc", "src/semver/version.py", "compare", "constant",
                "return 1 if rc2 else 0", "return -1 if rc2 else 0",
                SEMVER_COMPARE_PROBES, SEMVER_COMPARE),
            Bug("semver-compare-guard", "src/semver/version.py", "compare", "guard",
                "            return 1 if rc2 else 0\n        elif not rc2:\n"
                "            return -1\n",
                "            return 1 if rc2 else 0\n",
                SEMVER_COMPARE_PROBES, SEMVER_COMPARE),
            Bug("semver-negative", "src/semver/version.py", "__init__", "constant raises",
                "            if value < 0:\n", "            if value < -1:\n",
                SEMVER_NEW_PROBES, SEMVER_NEW),
            Bug("semver-length-ge", "src/semver/version.py", "__init__", "comparison",
                "if length > self.MAX_LENGTH:", "if length >= self.MAX_LENGTH:",
                SEMVER_NEW_PROBES, SEMVER_NEW),
            Bug("semver-increment", "src/semver/version.py", "_increment_prerelease",
                "off-by-one private", "next_ = str(int(match.group(2)) + 1)",
                "next_ = str(int(match.group(2)))",
                (*SEMVER_BUMP_PROBES,
                 "semver.Version._increment_prerelease("
                 "semver.Version.parse(v).prerelease or t or 'rc')"),
                SEMVER_BUMPS),
            Bug("semver-when-empty", "src/semver/version.py", "bump_prerelease", "boolean",
                "if bump_when_empty:\n", "if not bump_when_empty:\n",
                SEMVER_BUMP_PROBES, SEMVER_BUMPS),
            Bug("semver-build-eq", "src/semver/version.py", "bump_build", "comparison",
                "if build == self._build:", "if build != self._build:",
                SEMVER_BUMP_PROBES, SEMVER_BUMPS),
        ),
    ),
    Library(
        "toolz==1.2.0",
        imports=("toolz",),
        tests=("toolz/tests",),
        checks=("toolz/tests", "toolz/itertoolz.py", "toolz/dicttoolz.py",
                "toolz/functoolz.py", "toolz/recipes.py", "--doctest-modules"),
        bugs=(
            Bug("toolz-merge-lt", "toolz/itertoolz.py", "_merge_sorted_binary",
                "comparison private", "        if val2 < val1:\n            yield val2\n",
                "        if val2 > val1:\n            yield val2\n",
                ("list(toolz.merge_sorted(*qs))",
                 "list(toolz.itertoolz._merge_sorted_binary(qs)) if len(qs) > 1 else None"),
                TOOLZ_SEQ),
            Bug("toolz-get-len", "toolz/itertoolz.py", "get", "off-by-one",
                "if len(ind) > 1:", "if len(ind) > 0:", TOOLZ_GET_PROBES, TOOLZ_GET),
            Bug("toolz-get-raise", "toolz/itertoolz.py", "get", "comparison raises",
                "is not a list\n        if default == no_default:",
                "is not a list\n        if default != no_default:",
                TOOLZ_GET_PROBES, TOOLZ_GET),
            Bug("toolz-pluck-swap", "toolz/itertoolz.py", "pluck", "swap",
                "return (_get(ind, seq, default) for seq in seqs)",
                "return (_get(seq, ind, default) for seq in seqs)",
                TOOLZ_GET_PROBES, TOOLZ_GET),
            Bug("toolz-partition-mod", "toolz/itertoolz.py", "partition_all", "operator",
                "end = len(seq) % n", "end = len(seq) // n",
                ("list(toolz.partition_all(n, q))", "list(toolz.partition_all(n, iter(q)))"),
                TOOLZ_SEQ),
            Bug("toolz-distinct-ne", "toolz/itertoolz.py", "isdistinct", "comparison",
                "return len(seq) == len(set(seq))", "return len(seq) != len(set(seq))",
                ("toolz.isdistinct(q)", "toolz.isdistinct(iter(q))", "toolz.isdistinct(str(q))"),
                TOOLZ_SEQ),
            Bug("toolz-topk-guard", "toolz/itertoolz.py", "topk", "guard",
                "if key is not None and not callable(key):", "if not callable(key):",
                ("toolz.topk(k, q)", "toolz.topk(k, qs, key=0)", "toolz.topk(k, q, key=abs)"),
                TOOLZ_SEQ),
        ),
    ),
)  # fmt: skip
