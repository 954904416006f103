#!/usr/bin/env python3
"""Turns docs/reference.md into a test: every row's example is compiled and checked.

  reference_check.py REFERENCE.md INCLUDE_DIR OUT.cpp

Tables whose header is `| function | example | printed | value |` describe expressions: the
test checks that tl::to_string(example) is the printed form and that the example, evaluated at
the bindings left of `->`, is the value right of it (a number, or `{...}` for a tensor, to 1e-12
relative). Tables whose header is `| function | example |` hold a C++ boolean expression that
must be true. Rows of a section whose title names `<tapeless/safetensors.hpp>` are compiled only
when that header's library is found.

It also checks the reference against the code: every operator's printed name (the `name = "..."`
of each operator struct under include/tapeless/ops/) must appear in a printed form, unless it is
one of the helper nodes that only derivatives contain (listed below, documented in
docs/printing.md); a function written in the function column counts too (slice prints as z[i:j]).
"""
import pathlib
import re
import sys

HELPER_NODES = {"pad", "concat", "broadcast", "unbroadcast", "ones", "zeros", "regroup", "pow_log",
                "div_or_zero", "gt", "ge", "eq", "rows", "cols", "reshape"}

PRELUDE = r"""// Generated from docs/reference.md by docs/reference_check.py; do not edit.
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <initializer_list>
#include <random>
#include <tapeless/tapeless.hpp>
#include <tapeless/train.hpp>
#ifdef TAPELESS_REFERENCE_SAFETENSORS
#include <tapeless/safetensors.hpp>
#endif

namespace tl = tapeless;
namespace {
// The symbols and values the reference's examples use.
constexpr auto x = tl::var<"x">;
constexpr auto y = tl::var<"y">;
constexpr auto a = tl::var<"a", 3>;
constexpr auto b = tl::var<"b", 3>;
constexpr auto X = tl::var<"X", 2, 3>;
constexpr auto W = tl::var<"W", 2, 3>;
constexpr tl::linear<"fc1", 3, 2> fc1;
const tl::vector<double, 3> av{{1.0, -2.0, 3.0}};
const tl::vector<double, 3> bv{{0.5, 0.5, -1.0}};
const tl::matrix<double, 2, 3> Xv{{1, 2, 3, 4, 5, 6}};  // rows (1 2 3), (4 5 6)
const tl::matrix<double, 2, 3> Wv{{1, 0, -1, 2, 1, 0}};
const auto params = tl::at(W = Wv, fc1.bias = tl::vector<double, 2>{{0.5, -0.5}},
                           fc1.weight = tl::matrix<double, 2, 3>{{1, 0, 0, 0, 1, 0}});
const auto grads = tl::at(W = tl::matrix<double, 2, 3>{{3, 0, 0, 4, 0, 0}});
using params_t = std::remove_cvref_t<decltype(params)>;
using W_only_t = std::remove_cvref_t<decltype(tl::at(W = Wv))>;
std::mt19937 gen(0);
const std::filesystem::path dir = std::filesystem::temp_directory_path();

bool close(double got, double want) {
  return std::abs(got - want) <= 1e-12 * std::max(1.0, std::abs(want)) ||
         (std::isinf(want) && got == want);
}
template <class V>
bool close(const V& got, std::initializer_list<double> want) {
  if (want.size() != V::size) return false;
  std::size_t i = 0;
  for (const double w : want)
    if (!close(double(got.data[i++]), w)) return false;
  return true;
}
}  // namespace
"""


def cells(line):
    return [c.strip() for c in line.strip().strip("|").split("|")]


def code(cell):
    """The C++ of a cell: its code spans joined (the cell may add words around them)."""
    spans = re.findall(r"`([^`]*)`", cell)
    return " ".join(spans)


def cpp_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main():
    ref, include, out = map(pathlib.Path, sys.argv[1:4])
    lines = ref.read_text().splitlines()
    tests, printed_all, section, kind, n = [], [], "", None, 0
    for i, line in enumerate(lines, 1):
        if line.startswith("#"):
            section, kind = line, None
            continue
        if not line.startswith("|"):
            kind = None
            continue
        row = cells(line)
        if kind is None:
            header = [c.lower() for c in row]
            kind = {("function", "example", "printed", "value"): "expr",
                    ("function", "example"): "check"}.get(tuple(header), "other")
            continue
        if set(line) <= set("|- :"):
            continue
        guard = "safetensors" in section
        where = f"docs/reference.md:{i}"
        if kind == "expr":
            expr, printed, value = code(row[1]), code(row[2]), code(row[3])
            bindings, expected = [s.strip() for s in value.split("->")]
            if expected.startswith("{"):
                expected = f"std::initializer_list<double>{expected}"
            printed_all.append(printed + " " + code(row[0]))
            body = (f"  const auto e = {expr};\n"
                    f"  CHECK(tl::to_string(e) == {cpp_string(printed)});\n"
                    f"  CHECK(close(tl::eval(e, {bindings}), {expected}));\n")
        elif kind == "check":
            printed_all.append(code(row[0]))
            body = f"  CHECK({code(row[1])});\n"
        else:
            continue
        n += 1
        test = f'TEST_CASE({cpp_string(where + ": " + code(row[0])[:60])}, "[reference]") {{\n{body}}}\n'
        tests.append(f"#ifdef TAPELESS_REFERENCE_SAFETENSORS\n{test}#endif\n" if guard else test)

    # The code against the reference: every operator's printed name is in it.
    names = set()
    for h in (include / "tapeless" / "ops").glob("*.hpp"):
        names |= set(re.findall(r'name = "([a-z_0-9]+)"', h.read_text()))
    words = set(re.findall(r"[a-z_0-9]+", " ".join(printed_all)))
    missing = sorted(names - words - HELPER_NODES)
    if missing:
        sys.exit(f"docs/reference.md: no example prints these operators: {', '.join(missing)}")
    if n == 0:
        sys.exit("docs/reference.md: no rows found")
    out.write_text(PRELUDE + "\n".join(tests))


if __name__ == "__main__":
    main()
