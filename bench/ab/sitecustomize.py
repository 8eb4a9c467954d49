"""Before/after runs only (bench/ab/README.md): put this directory first on PYTHONPATH of a bench run.

Inert unless asked. With `KYODO_BENCH_VERIFY_DIR` set, every interpreter writes at exit which kyodo code it imported
(the files of kyodo_registry and kyodo_shared, and modules that exist in only one of the compared commits), so a
run shows that its `kyodo serve` child ran the worktree's code. With `KYODO_BENCH_VARIANT` set (comma list), a
`kyodo serve` process is patched before it starts; nothing in shared/ or services/ is edited:

- `asyncio_pool`: FastAPI runs sync endpoints (and their response validation) through `asyncio.to_thread` (the
  loop's default executor, min(32, cores + 4) threads) instead of Starlette's `run_in_threadpool` (anyio worker
  threads), i.e. the executor the routes used before issue 10;
- `limiter6`: anyio's default thread limiter at 6 tokens instead of 40;
- `inline_response`: a sync endpoint's return value validated on the loop (FastAPI does that in the thread pool);
- `vault_pool=N`: the key vault's PostgreSQL pool at N connections instead of 2;
- `count_reads`: counts `Repository.get` calls by the registry route that made them (or `background`), reported in
  the exit record; costs CPU, so not for timed comparisons.
"""

from __future__ import annotations

import atexit
import json
import os
import sys
from typing import Any

APPLIED: list[str] = []
READS: dict[str, int] = {}


def _record() -> None:
    out = os.environ.get("KYODO_BENCH_VERIFY_DIR")
    if not out:
        return
    mods = sys.modules

    def where(name: str) -> str | None:
        module = mods.get(name)
        return getattr(module, "__file__", None) if module is not None else None

    info = {
        "pid": os.getpid(),
        "argv": sys.argv,
        "kyodo_registry": where("kyodo_registry"),
        "kyodo_registry.app": where("kyodo_registry.app"),
        "kyodo_shared": where("kyodo_shared"),
        "only_before:kyodo_registry.errors": "kyodo_registry.errors" in mods,
        "only_before:kyodo_shared.refusals": "kyodo_shared.refusals" in mods,
        "only_after:kyodo_registry.app_base": "kyodo_registry.app_base" in mods,
        "only_after:kyodo_shared.web.routes": "kyodo_shared.web.routes" in mods,
        "variant_applied": APPLIED,
        "reads": READS,
    }
    with open(os.path.join(out, f"{os.getpid()}.json"), "w") as fh:
        json.dump(info, fh)


atexit.register(_record)


def _once(what: str) -> None:
    if what not in APPLIED:
        APPLIED.append(what)


def _variant() -> None:
    variant = {v for v in os.environ.get("KYODO_BENCH_VARIANT", "").split(",") if v}
    if not variant or "serve" not in sys.argv:
        return
    import asyncio

    import fastapi.routing as routing

    if "asyncio_pool" in variant:

        async def run_in_threadpool(func: Any, *args: Any, **kwargs: Any) -> Any:
            _once("asyncio executor")
            return await asyncio.to_thread(func, *args, **kwargs)

        routing.run_in_threadpool = run_in_threadpool  # type: ignore[assignment]
    if "inline_response" in variant:
        serialize = routing.serialize_response

        async def serialize_response(*args: Any, **kwargs: Any) -> Any:
            _once("inline response validation")
            kwargs["is_coroutine"] = True
            return await serialize(*args, **kwargs)

        routing.serialize_response = serialize_response
    if "count_reads" in variant:
        from eventsourcing.application import Repository

        get = Repository.get

        def counted_get(self: Any, *args: Any, **kwargs: Any) -> Any:
            frame, where = sys._getframe(1), "background"
            while frame is not None:
                name = frame.f_code.co_filename
                if "kyodo_registry" in name and name.endswith(("/api.py", "/routing.py")):
                    where = f"route {frame.f_code.co_name} via {sys._getframe(1).f_code.co_name}"
                    break
                frame = frame.f_back
            READS[where] = READS.get(where, 0) + 1
            return get(self, *args, **kwargs)

        Repository.get = counted_get  # type: ignore[method-assign]
        _once("count_reads")
    pools = [v for v in variant if v.startswith("vault_pool=")]
    if pools:
        size = int(pools[0].split("=", 1)[1])
        try:
            import kyodo_shared.store.service_store as service_store  # after issue 10: a module function

            vault_settings = service_store.vault_settings

            def sized_settings(settings: Any) -> Any:
                _once(f"vault pool {size} (service_store.vault_settings)")
                return vault_settings(settings).model_copy(update={"pg_pool_size": size})

            service_store.vault_settings = sized_settings
        except ImportError:
            from kyodo_shared.runtime import Kernel  # before: a Kernel method

            vault_store = Kernel._vault_store  # type: ignore[attr-defined]

            def sized_store(self: Any) -> Any:
                _once(f"vault pool {size} (Kernel._vault_store)")
                return vault_store(self).model_copy(update={"pg_pool_size": size})

            Kernel._vault_store = sized_store  # type: ignore[attr-defined]
    if "no_document" in variant:  # upper bound only: the bylaws are not stored (not for a run of record)
        from kyodo_registry.documents import DocumentStore

        DocumentStore.put = lambda self, document, now: None  # type: ignore[method-assign,assignment]
        _once("no_document")
    if "vault_no_write" in variant:  # upper bound only: a known person's key read in one statement, nothing written
        from kyodo_shared.privacy import vault as _vault

        encrypt = _vault.KeyVault.encrypt

        def read_only_encrypt(self: Any, person: str, record_kind: str, fields: Any, now: Any) -> Any:
            with self.db.transaction(read_only=True) as tx:
                row = tx.fetchone("SELECT key_id, key_material FROM kyodo_person_keys WHERE person = %s", (person,))
            if row is None:
                return encrypt(self, person, record_kind, fields, now)
            return _vault.seal_under(person, str(row[0]), str(row[1]), fields)

        _vault.KeyVault.encrypt = read_only_encrypt  # type: ignore[method-assign]
        _once("vault_no_write")
    executors = [v for v in variant if v.startswith("executor=")]
    if executors:  # the event loop's default executor (to_thread) at N threads instead of min(32, cores + 4)
        from concurrent.futures import ThreadPoolExecutor

        from kyodo_shared.runtime import Kernel

        threads = int(executors[0].split("=", 1)[1])
        kernel_start = Kernel.start

        async def sized_start(self: Any) -> None:
            asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(threads))
            _once(f"executor {threads}")
            await kernel_start(self)

        Kernel.start = sized_start  # type: ignore[method-assign]
    switch = [v for v in variant if v.startswith("switch=")]
    if switch:
        sys.setswitchinterval(float(switch[0].split("=", 1)[1]))
        _once(f"switch interval {switch[0]}")
    if "inline_routes" in variant:  # CPU bound only: routes run on the loop (blocking it), no thread hop at all
        import functools
        import inspect

        from kyodo_shared.web import routes as _routes

        def _inline(endpoint: Any) -> Any:
            if inspect.iscoroutinefunction(endpoint):
                return endpoint

            @functools.wraps(endpoint)
            async def inline(*args: Any, **kwargs: Any) -> Any:
                return endpoint(*args, **kwargs)

            return inline

        _routes._in_thread = _inline
        _once("inline_routes")
    if "async_apply" in variant:  # a spike: POST /groups with no worker thread (bench/ab/async_spike.py)
        import async_spike

        async_spike.install()
        _once("async_apply")
    if "limiter6" in variant:
        from kyodo_shared.runtime import Kernel

        start = Kernel.start

        async def limited_start(self: Any) -> None:
            import anyio.to_thread

            anyio.to_thread.current_default_thread_limiter().total_tokens = 6
            _once("anyio limiter 6")
            await start(self)

        Kernel.start = limited_start  # type: ignore[method-assign]


try:
    _variant()
except Exception as exc:
    sys.stderr.write(f"bench variant not applied: {exc!r}\n")
