"""The jupyter_client provisioner of a warm kernel (see ``warm.py``): nbclient starts and drives
a kernel forked from the zygote as it would a cold one."""
from __future__ import annotations

import sys

from jupyter_client.provisioning.local_provisioner import LocalProvisioner

from autograder.execution.warm import ZygoteUnavailable, request_kernel


class ZygoteProvisioner(LocalProvisioner):
    """Starts the kernel from the zygote (``address``) inside the sandbox ``plan``; falls back
    to the cold command (``LocalProvisioner``) with one line on stderr saying why."""

    address: str = ""
    plan: dict | None = None
    namespaces: bool = False
    warm: bool | None = None          # after launch: was the kernel forked from the zygote

    async def launch_kernel(self, cmd: list[str], **kwargs):
        try:
            process = request_kernel(self.address, env=kwargs.get("env") or {}, cwd=kwargs.get("cwd"),
                                     connection_file=self.parent.connection_file, plan=self.plan,
                                     namespaces=self.namespaces)
        except ZygoteUnavailable as exc:
            print(f"warm kernel unavailable ({exc}): this kernel starts cold", file=sys.stderr, flush=True)
            self.warm = False
            return await super().launch_kernel(cmd, **kwargs)
        self.warm, self.process = True, process
        self.pid = self.pgid = process.pid
        self.cwd = kwargs.get("cwd")
        return self.connection_info

    async def send_signal(self, signum: int) -> None:
        """To the kernel's process group while its handle lives (never to a recycled pid)."""
        if not self.warm:
            return await super().send_signal(signum)
        if self.process is not None:
            self.process.send_signal(signum)
