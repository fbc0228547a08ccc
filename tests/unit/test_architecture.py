"""The import graph of bot/, read from the source with `ast` (nothing imported): no cycle, and
the domain depends on no adapter, service, entrypoint or I/O library.

Every import counts: at module level, inside a function (a lazy import is still a dependency:
it runs the first time the function does), and under `if TYPE_CHECKING:` (the modules still
know each other). `from bot.x import y` depends on the module bot.x.y when that is a module,
else on bot.x.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "bot"
DOMAIN_MUST_NOT_IMPORT = (
    "bot.adapters",
    "bot.service",
    "bot.entrypoints",
    "redis",
    "rq",
    "linebot",
)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES: dict[str, Path] = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node


def _imported_names(module: str) -> set[str]:
    """Every module name `module` imports (absolute), its own package's included."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in _imports(ast.parse(path.read_bytes(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
            continue
        base = node.module or ""
        if node.level:
            anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
            base = ".".join([*anchor, base] if base else anchor)
        for alias in node.names:
            submodule = f"{base}.{alias.name}"
            names.add(submodule if submodule in MODULES else base)
    return names


def import_graph() -> dict[str, set[str]]:
    """bot module → the bot modules it imports (itself left out)."""
    return {
        module: {name for name in _imported_names(module) if name in MODULES} - {module}
        for module in MODULES
    }


def tangles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import each other, directly or not (the strongly connected
    components of more than one module, Tarjan's algorithm), each sorted; [] when acyclic."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for start in sorted(graph):
        if start not in index:
            visit(start)
    return sorted(found)


def test_the_graph_sees_function_level_imports() -> None:
    graph = import_graph()
    assert len(graph) > 50
    # bootstrap imports the adapters inside the functions that build each process.
    assert "bot.adapters.line.replies" in graph["bot.bootstrap"]
    assert "bot.entrypoints.web" in graph["bot.bootstrap"]


def test_tangles_are_found() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"f"}, "f": {"e"}}
    assert tangles(graph) == [["a", "b", "c"], ["e", "f"]]
    assert tangles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_in_bot() -> None:
    assert tangles(import_graph()) == []


def test_the_domain_imports_no_adapter_service_entrypoint_or_io_library() -> None:
    offending = {
        module: sorted(
            name
            for name in _imported_names(module)
            if any(
                name == banned or name.startswith(f"{banned}.") for banned in DOMAIN_MUST_NOT_IMPORT
            )
        )
        for module in MODULES
        if module == "bot.domain" or module.startswith("bot.domain.")
    }
    assert {module: names for module, names in offending.items() if names} == {}


SERVICE_MUST_NOT_IMPORT = ("bot.adapters", "bot.entrypoints", "bot.bootstrap", "redis", "rq")
# Of the SDK, the service knows only the webhook models (the event types it dispatches on).
SERVICE_MAY_IMPORT_OF_LINEBOT = ("linebot.v3.webhooks",)


def _offending(
    package: str, banned: tuple[str, ...], allowed: tuple[str, ...] = ()
) -> dict[str, list[str]]:
    found = {}
    for module in MODULES:
        if module != package and not module.startswith(f"{package}."):
            continue
        names = sorted(
            name
            for name in _imported_names(module)
            if any(name == b or name.startswith(f"{b}.") for b in banned)
            and not any(name == a or name.startswith(f"{a}.") for a in allowed)
        )
        if names:
            found[module] = names
    return found


def test_the_service_imports_no_adapter_io_library_or_entrypoint() -> None:
    assert _offending("bot.service", SERVICE_MUST_NOT_IMPORT) == {}


def test_the_service_knows_only_the_sdk_s_webhook_models() -> None:
    assert _offending("bot.service", ("linebot",), SERVICE_MAY_IMPORT_OF_LINEBOT) == {}


# Reading the environment and making Redis clients: the composition root's job alone
# (bot.bootstrap; bot.settings declares and reads the variables; connection.py holds the
# client factory).
_ENV_READERS = {"bot.bootstrap", "bot.settings"}
_CLIENT_MAKERS = {"bot.bootstrap", "bot.adapters.redis.connection"}


def _calls(module: str) -> set[str]:
    """Dotted names called in `module` (os.environ.get, sync_client, Settings.from_env...)."""
    tree = ast.parse(MODULES[module].read_bytes())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            names.add(ast.unparse(node.func))
        elif isinstance(node, ast.Attribute) and ast.unparse(node) in ("os.environ",):
            names.add("os.environ")
    return names


def test_only_the_composition_root_reads_the_environment() -> None:
    readers = {
        module
        for module in MODULES
        if _calls(module) & {"os.environ", "os.getenv", "Settings.from_env", "read_one"}
    }
    assert "bot.bootstrap" in readers  # the check sees a reader when there is one
    assert readers <= _ENV_READERS, readers - _ENV_READERS


def test_only_the_composition_root_builds_redis_clients() -> None:
    makers = {
        module
        for module in MODULES
        if any(
            call.endswith(("sync_client", "async_client", "Redis.from_url", "redis.Redis"))
            or call in ("Redis", "aioredis.Redis", "redis.asyncio.Redis")
            for call in _calls(module)
        )
    }
    assert "bot.adapters.redis.connection" in makers  # it sees a maker when there is one
    assert makers <= _CLIENT_MAKERS, makers - _CLIENT_MAKERS


# Calls to LINE: every client lives in bot.adapters.line (the webhook's parsing and signature
# check, linebot.v3.webhooks, is the web entrypoint's and the service's event types).
LINE_CALLERS_ONLY = ("linebot.v3.messaging", "urllib3", "http.client", "httptools", "aiohttp")
LINE_PACKAGE = "bot.adapters.line"


def _in_line_package(module: str) -> bool:
    return module == LINE_PACKAGE or module.startswith(f"{LINE_PACKAGE}.")


def test_only_the_line_package_imports_an_http_client_or_the_sdk_s_api() -> None:
    callers = _offending("bot", LINE_CALLERS_ONLY)
    assert LINE_PACKAGE + ".replies" not in callers  # its pool is line.http_pool, not httptools
    assert LINE_PACKAGE + ".http_pool" in callers  # the check sees a caller when there is one
    outside = {m: n for m, n in callers.items() if not _in_line_package(m)}
    assert outside == {}


def _string_constants(module: str) -> set[str]:
    tree = ast.parse(MODULES[module].read_bytes())
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        and id(node) not in docstrings
    }  # fmt: skip


def test_line_s_endpoints_are_named_only_in_the_line_package() -> None:
    naming = {m for m in MODULES if any("/v2/bot/" in s for s in _string_constants(m))}
    assert LINE_PACKAGE + ".pushes" in naming
    assert {m for m in naming if not _in_line_package(m)} == set()


SDK_REPLY_CALLS = (".reply_message", ".reply_message_with_http_info")


def test_one_reply_client() -> None:
    """Every reply goes through one client (ReplySender): web, heavy jobs and the hand-off."""
    naming = {m for m in MODULES if "/v2/bot/message/reply" in _string_constants(m)}
    assert naming == {LINE_PACKAGE + ".replies"}
    through_the_sdk = {
        module
        for module in MODULES
        if any(call.endswith(SDK_REPLY_CALLS) for call in _calls(module))
    }
    assert through_the_sdk == set()


LINE_CLIENTS = {
    "ReplySender",
    "AsyncLinePusher",
    "SdkPusher",
    "SdkMulticaster",
    "MemberNames",
    "RichMenuClient",
    "fetch_quota",
    "numbers_fetcher",
}


def _builds_a_line_client(module: str) -> bool:
    """A call of one of LINE_CLIENTS, or a functools.partial of one (built later, on use)."""
    for node in ast.walk(ast.parse(MODULES[module].read_bytes())):
        if not isinstance(node, ast.Call):
            continue
        made = node.func
        if ast.unparse(made).endswith("partial") and node.args:
            made = node.args[0]
        if ast.unparse(made).rpartition(".")[2] in LINE_CLIENTS:
            return True
    return False


def test_only_the_composition_root_builds_line_clients() -> None:
    builders = {m for m in MODULES if not _in_line_package(m) and _builds_a_line_client(m)}
    assert builders == {"bot.bootstrap"}
