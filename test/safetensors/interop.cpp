// The tapeless side of the independent check (safetensors_check.py reads what this writes, and
// writes what this reads, with a reader and a writer of its own: json and struct only).
//   safetensors_interop write FILE             the bundle below, with metadata, to FILE
//   safetensors_interop read F64FILE F32FILE   loads the Python files, checks every number
// The numbers are written out here and in the Python script separately, on purpose.
#include <cstdio>
#include <string>
#include <tapeless/safetensors.hpp>
#include <tapeless/tapeless.hpp>

namespace tl = tapeless;

namespace {
constexpr auto W = tl::var<"W", 2, 3>;  // not symmetric: a transposed file fails
constexpr auto b = tl::var<"b", 3>;
constexpr auto s = tl::var<"s">;
constexpr auto fc = tl::var<"fc1.weight", 3, 2>;
constexpr auto v = tl::var<"v", 4>;

int fail(const std::string& what) {
  std::fprintf(stderr, "safetensors_interop: %s\n", what.c_str());
  return 1;
}
}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  try {
    if (mode == "write" && argc == 3) {
      const auto p = tl::at(W = tl::matrix<double, 2, 3>{{1.5, -2.25, 3.0, 0.1, 1e-300, -7.0}},
                            b = tl::vector<double, 3>{{0.5, -0.0, 2.0}}, s = -3.75,
                            fc = tl::matrix<double, 3, 2>{{1.0, 2.0, 3.0, 4.0, 5.0, 6.0}});
      tl::save_safetensors(argv[2], p, {{"format", "pt"}, {"producer", "tapeless"}});
      std::printf("wrote %s\n", argv[2]);
      return 0;
    }
    if (mode == "read" && argc == 4) {
      auto p = tl::at(W = tl::matrix<double, 2, 3>{}, b = tl::vector<double, 3>{}, s = 0.0,
                      fc = tl::matrix<double, 3, 2>{});
      const auto meta = tl::load_safetensors(argv[2], p);
      const tl::matrix<double, 2, 3> want_w{{0.25, -1.0, 2.5, 1e10, -3.125, 6.0}};
      const tl::vector<double, 3> want_b{{-0.5, 0.75, 1.0 / 3.0}};
      const tl::matrix<double, 3, 2> want_fc{{-1.0, -2.0, -3.0, -4.0, -5.0, -6.5}};
      if (p[W] != want_w) return fail("W differs");
      if (p[b] != want_b) return fail("b differs");
      if (p[s] != 42.0) return fail("s differs");
      if (p[fc] != want_fc) return fail("fc1.weight differs");
      if (meta.at("writer") != "safetensors_check.py") return fail("metadata differs");
      auto f = tl::at(v = tl::vector<float, 4>{});
      tl::load_safetensors(argv[3], f);
      if (f[v] != tl::vector<float, 4>{{0.1f, -2.5f, 1e30f, 7.0f}}) return fail("v differs");
      // The float32 file into float64, asked for: widened exactly.
      auto d = tl::at(v = tl::vector<double, 4>{});
      tl::load_safetensors(argv[3], d, {.widen_float32 = true});
      if (d[v][0] != double(0.1f) || d[v][2] != double(1e30f)) return fail("widened v differs");
      std::printf("read %s and %s: every value as written by Python\n", argv[2], argv[3]);
      return 0;
    }
  } catch (const std::exception& e) {
    return fail(e.what());
  }
  return fail("usage: safetensors_interop write FILE | read F64FILE F32FILE");
}
