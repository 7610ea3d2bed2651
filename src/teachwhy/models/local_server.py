"""A local OpenAI-compatible server (llama-cpp-python's) for a GGUF file, started and stopped here.

    with LlamaServer(embedded_gguf_path(), alias="smollm2") as server:
        os.environ["LOCAL_BASE_URL"] = server.base_url
        generate_text("openai-api/local/smollm2", messages, role="judge", stage="curate")

Any OpenAI-compatible server (vLLM, llama.cpp's own, Ollama) is used the same way.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from types import TracebackType

from teachwhy.spec.errors import TeachwhyError


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LlamaServer:
    """`python -m llama_cpp.server` on 127.0.0.1 for the lifetime of a `with` block."""

    def __init__(self, gguf: Path, alias: str = "local", port: int | None = None,
                 n_ctx: int = 2048, n_threads: int | None = None, startup_s: float = 60) -> None:
        self.gguf = gguf
        self.alias = alias
        self.port = port or free_port()
        self.n_ctx = n_ctx
        self.n_threads = n_threads or min(2, os.cpu_count() or 1)
        self.startup_s = startup_s
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self._process: subprocess.Popen[bytes] | None = None
        self._log = Path(tempfile.mkstemp(prefix="teachwhy-llama-server-", suffix=".log")[1])

    def __enter__(self) -> LlamaServer:
        with open(self._log, "wb") as log:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "llama_cpp.server", "--model", str(self.gguf),
                 "--model_alias", self.alias, "--host", "127.0.0.1", "--port", str(self.port),
                 "--n_ctx", str(self.n_ctx), "--n_threads", str(self.n_threads)],
                stdout=log, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + self.startup_s
        while not self._ready():
            if self._process.poll() is not None or time.monotonic() > deadline:
                tail = self._log.read_text(errors="replace")[-2000:]
                self.stop()
                raise TeachwhyError(f"llama.cpp server did not start on port {self.port}:\n{tail}")
            time.sleep(0.2)
        return self

    def _ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.base_url}/models", timeout=2) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    def stop(self) -> None:
        """Stop the server (terminate, then kill after 10 s)."""
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None
        self._log.unlink(missing_ok=True)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()
