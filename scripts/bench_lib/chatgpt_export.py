"""Writes a ChatGPT data export's conversations.json of about a given size, shaped like the real
one: each conversation a `mapping` tree with the empty client-created root, a hidden system
message, user and assistant turns (with `model_slug`), edits and regenerations as branches,
`current_node` on the last branch, tool calls and their output, and multimodal messages whose
image parts are not text (Parley skips and counts them).

  python3 scripts/bench_lib/chatgpt_export.py OUT.json [--mib 100]
"""
import argparse
import json
import random
import uuid

from growth_seed import sentences  # noqa: E402  (run from scripts/bench_lib or with it on sys.path)


class Writer:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.text = [s.text for s in sentences(seed=7)[0]]

    def paragraph(self, low: int, high: int) -> str:
        return " ".join(self.rng.choice(self.text) for _ in range(self.rng.randint(low, high)))

    def reply(self) -> str:
        parts = [self.paragraph(2, 6) for _ in range(self.rng.randint(1, 5))]
        if self.rng.random() < 0.3:
            code = "\n".join(f"    let value{i} = compute({i}) // {self.rng.choice(self.text)[:40]}" for i in range(self.rng.randint(3, 30)))
            parts.insert(1, f"```swift\n{code}\n```")
        return "\n\n".join(parts)

    def conversation(self, started: float) -> dict:
        rng = self.rng
        mapping: dict = {}
        clock = [started]

        def node(parent: str | None, role: str | None, parts=None, content_type="text", model=None, hidden=False) -> str:
            key = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            message = None
            if role:
                clock[0] += rng.uniform(1, 90)
                metadata = {"is_visually_hidden_from_conversation": True} if hidden else {}
                if model:
                    metadata.update({"model_slug": model, "finish_details": {"type": "stop", "stop_tokens": [100260]}})
                message = {
                    "id": key, "author": {"role": role, "name": "python" if role == "tool" else None, "metadata": {}},
                    "create_time": clock[0], "update_time": None,
                    "content": {"content_type": content_type, "parts": parts if parts is not None else [""]},
                    "status": "finished_successfully", "end_turn": role == "assistant", "weight": 1.0,
                    "metadata": metadata, "recipient": "all", "channel": None,
                }
            mapping[key] = {"id": key, "message": message, "parent": parent, "children": []}
            if parent:
                mapping[parent]["children"].append(key)
            return key

        root = node(None, None)
        leaf = node(root, "system", [""], hidden=True)
        model = rng.choice(["gpt-4o", "gpt-4", "text-davinci-002-render-sha", "gpt-4o-mini"])
        for turn in range(rng.randint(2, 24)):
            if rng.random() < 0.08:
                # A multimodal question: an image part (not text) and the words about it.
                image = {"content_type": "image_asset_pointer", "asset_pointer": f"file-service://file-{rng.getrandbits(64):x}",
                         "size_bytes": rng.randint(10_000, 900_000), "width": 1024, "height": 768, "fovea": None, "metadata": None}
                question = node(leaf, "user", [image, self.paragraph(1, 2)], "multimodal_text")
            else:
                question = node(leaf, "user", [self.paragraph(1, 3)])
            if rng.random() < 0.1:
                # Code run by the model: its call and the tool's output, then the answer.
                call = node(question, "assistant", None, "code", model)
                mapping[call]["message"]["content"] = {"content_type": "code", "language": "unknown", "text": "print(sum(range(10)))"}
                mapping[call]["message"]["recipient"] = "python"
                output = node(call, "tool", None, "execution_output")
                mapping[output]["message"]["content"] = {"content_type": "execution_output", "text": "45"}
                answer = node(output, "assistant", [self.reply()], model=model)
            else:
                answer = node(question, "assistant", [self.reply()], model=model)
            if rng.random() < 0.12:
                # Regenerated: a sibling answer, which becomes the branch followed.
                answer = node(question, "assistant", [self.reply()], model=model)
            if rng.random() < 0.06:
                # Edited: a sibling question with its own answer.
                edited = node(leaf, "user", [self.paragraph(1, 3)])
                answer = node(edited, "assistant", [self.reply()], model=model)
            leaf = answer
        return {
            "title": self.paragraph(1, 1)[:60].rstrip(" ,.?!"), "create_time": started, "update_time": clock[0],
            "mapping": mapping, "moderation_results": [], "current_node": leaf, "plugin_ids": None,
            "conversation_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "conversation_template_id": None,
            "gizmo_id": None, "is_archived": False, "safe_urls": [], "default_model_slug": model,
        }


def write(path: str, mib: float, seed: int = 12) -> dict:
    """Writes conversations until the file reaches `mib` MiB; returns what it holds."""
    rng = random.Random(seed)
    writer = Writer(rng)
    target = int(mib * 1024 * 1024)
    written = conversations = nodes = 0
    started = 1_690_000_000.0
    with open(path, "w", encoding="utf-8") as out:
        out.write("[")
        written += 1
        while written < target:
            item = json.dumps(writer.conversation(started), ensure_ascii=False)
            out.write(("," if conversations else "") + item)
            written += len(item.encode()) + 1
            conversations += 1
            nodes += item.count('"author"')
            started += rng.uniform(600, 40_000)
        out.write("]")
    return {"bytes": written + 1, "conversations": conversations, "messages": nodes}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out")
    parser.add_argument("--mib", type=float, default=100)
    args = parser.parse_args()
    print(write(args.out, args.mib))
