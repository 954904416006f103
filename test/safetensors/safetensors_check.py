#!/usr/bin/env python3
"""An independent check of tapeless's safetensors files, sharing no code with it: a reader and a
writer of the format built on json and struct alone (no numpy, no safetensors package).

  safetensors_check.py read-tapeless TOOL DIR   TOOL writes a file; check it here, value by value
  safetensors_check.py write-for-tapeless TOOL DIR   write files here; TOOL loads and checks them
"""
import json, os, struct, subprocess, sys

FORMATS = {"F64": ("d", 8), "F32": ("f", 4), "I64": ("q", 8)}


def read_file(path):
    """The header (dict) and the tensors {name: (dtype, shape, [values])}, every rule checked."""
    raw = open(path, "rb").read()
    assert len(raw) >= 8, "shorter than the length field"
    (n,) = struct.unpack("<Q", raw[:8])
    assert 8 + n <= len(raw), "header runs past the end"
    assert n % 8 == 0, "header not padded to 8 bytes: %d" % n
    text = raw[8:8 + n].decode("utf-8")
    assert text.startswith("{"), "header does not start with {"
    assert text == text.rstrip(" ") + " " * (len(text) - len(text.rstrip(" "))), "padding not spaces"
    header = json.loads(text)
    data = raw[8 + n:]
    tensors, spans = {}, []
    for name, info in header.items():
        if name == "__metadata__":
            assert all(isinstance(v, str) for v in info.values())
            continue
        begin, end = info["data_offsets"]
        code, width = FORMATS[info["dtype"]]
        count = 1
        for d in info["shape"]:
            count *= d
        assert end - begin == count * width, name + ": offsets do not match the shape"
        values = list(struct.unpack("<%d%s" % (count, code), data[begin:end]))
        tensors[name] = (info["dtype"], info["shape"], values)
        spans.append((begin, end))
    spans.sort()
    at = 0
    for begin, end in spans:
        assert begin == at, "gap or overlap at byte %d" % begin
        at = end
    assert at == len(data), "the data are not covered exactly"
    return header, tensors


def write_file(path, tensors, metadata, reverse_data=False):
    """tensors: [(name, dtype, shape, values)], data in list order (or reversed)."""
    header, chunks, offset = {}, [], 0
    for name, dtype, shape, values in (reversed(tensors) if reverse_data else tensors):
        code, _ = FORMATS[dtype]
        chunk = struct.pack("<%d%s" % (len(values), code), *values)
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(chunk)]}
        chunks.append(chunk)
        offset += len(chunk)
    header["__metadata__"] = metadata
    text = json.dumps(header, indent=1).encode("utf-8")  # other spacing than tapeless's own
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))


def main():
    mode, tool, directory = sys.argv[1:4]
    os.makedirs(directory, exist_ok=True)
    if mode == "read-tapeless":
        path = os.path.join(directory, "from_tapeless.safetensors")
        if os.path.exists(path):
            os.remove(path)
        subprocess.run([tool, "write", path], check=True)
        header, tensors = read_file(path)
        expected = {
            "W": ("F64", [2, 3], [1.5, -2.25, 3.0, 0.1, 1e-300, -7.0]),
            "b": ("F64", [3], [0.5, -0.0, 2.0]),
            "s": ("F64", [], [-3.75]),
            "fc1.weight": ("F64", [3, 2], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]),
        }
        assert tensors == expected, "tensors differ:\n%s\n%s" % (tensors, expected)
        assert struct.pack("<d", tensors["b"][2][1]) == struct.pack("<d", -0.0), "-0.0 lost"
        assert header["__metadata__"] == {"format": "pt", "producer": "tapeless"}
        print("read %s: %d tensors, names, dtypes, shapes and values as expected"
              % (path, len(tensors)))
    elif mode == "write-for-tapeless":
        f64 = os.path.join(directory, "from_python_f64.safetensors")
        f32 = os.path.join(directory, "from_python_f32.safetensors")
        write_file(f64, [
            ("W", "F64", [2, 3], [0.25, -1.0, 2.5, 1e10, -3.125, 6.0]),
            ("b", "F64", [3], [-0.5, 0.75, 1.0 / 3.0]),
            ("s", "F64", [], [42.0]),
            ("fc1.weight", "F64", [3, 2], [-1.0, -2.0, -3.0, -4.0, -5.0, -6.5]),
        ], {"writer": "safetensors_check.py"}, reverse_data=True)
        write_file(f32, [("v", "F32", [4], [0.1, -2.5, 1e30, 7.0])], {})
        # our own reader agrees with our writer
        assert read_file(f64)[1]["s"] == ("F64", [], [42.0])
        out = subprocess.run([tool, "read", f64, f32], check=True, capture_output=True, text=True)
        print(out.stdout, end="")
        assert "every value as written by Python" in out.stdout
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
