"""OutputCap: at most so many bytes of output per cell (used by SandboxedExecute)."""

from __future__ import annotations

import json

from nbformat.notebooknode import NotebookNode

from course.grading.limits import format_size

__all__ = ["OutputCap"]


def _size(msg_type: str | None, content: dict) -> int:
    if msg_type == "stream":
        return len(content.get("text", ""))
    if msg_type == "error":
        return sum(len(line) for line in content.get("traceback", []))
    return sum(
        len(v) if isinstance(v, str) else len(json.dumps(v))
        for v in content.get("data", {}).values()
    )


class OutputCap:
    """Counts each cell's output; past ``limit`` bytes, keeps only what counts for the grade
    (errors, stderr, results, in short form) and a note saying the rest was dropped."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.used: dict[int, int] = {}
        self.truncated: set[int] = set()

    def admit(self, outs: list, msg: dict, cell_index: int) -> bool:
        """Whether the kernel message ``msg`` goes on into the cell's outputs ``outs`` (its
        content possibly shortened); past the cap, a note is added to ``outs`` once."""
        if not self.limit:
            return True
        content = msg.get("content", {})
        msg_type = msg.get("msg_type")
        used = self.used.get(cell_index, 0) + _size(msg_type, content)
        self.used[cell_index] = used
        if used <= self.limit:
            return True
        note = f"\n[output truncated: more than {format_size(self.limit)} in this cell]\n"
        if cell_index not in self.truncated:
            self.truncated.add(cell_index)
            outs.append(NotebookNode(output_type="stream", name="stdout", text=note))
        if msg_type == "error":
            content["traceback"] = [line[:2000] for line in content.get("traceback", [])[-50:]]
            return True
        if msg_type == "stream" and content.get("name") == "stderr":
            if not any(o.get("name") == "stderr" for o in outs if o.output_type == "stream"):
                content["text"] = content.get("text", "")[:1000] + note
                return True
            return False
        if msg_type == "execute_result":
            text = str(content.get("data", {}).get("text/plain", ""))
            content["data"] = {"text/plain": text[:1000]}
            return True
        return False
