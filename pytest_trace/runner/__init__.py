"""Running tests on a candidate: the controller-worker protocol, the worker, the fork
server and its controller, the fresh-process runner, the in-memory swap of code, time
limits and process containment."""
