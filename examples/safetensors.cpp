// Parameters to a safetensors file and back (docs/files.md shows the marked regions): a bundle
// with metadata, loaded into another, and what a mismatched file says.
#include <cstdio>
#include <tapeless/safetensors.hpp>
#include <tapeless/tapeless.hpp>
#include <tapeless/train.hpp>

#include "cli.hpp"

namespace tl = tapeless;

int main(int argc, char** argv) {
  cli::no_options(argc, argv, "safetensors");
  // [save]
  constexpr auto W = tl::var<"fc1.weight", 2, 3>;  // PyTorch's names work: they are the symbols'
  constexpr auto b = tl::var<"fc1.bias", 2>;
  auto params = tl::at(W = tl::matrix<double, 2, 3>{{0.5, -1.0, 0.25, 2.0, 0.75, -0.5}},
                       b = tl::vector<double, 2>{{0.1, -0.2}});
  tl::save_safetensors("model.safetensors", params, {{"epoch", "12"}});
  // [/save]

  // [load]
  auto restored = tl::at(W = tl::matrix<double, 2, 3>{}, b = tl::vector<double, 2>{});
  const tl::safetensors_metadata meta = tl::load_safetensors("model.safetensors", restored);
  std::printf("fc1.weight(1, 0) = %g, epoch %s\n", restored[W](1, 0), meta.at("epoch").c_str());
  // [/load]

  // [optimizer]
  tl::adam<decltype(params)> opt(params, {.lr = 1e-3});
  opt.step(params, params);  // (any gradient)
  tl::save_safetensors("adam.safetensors", opt);  // lr, step, exp_avg.fc1.weight, exp_avg_sq...
  tl::adam<decltype(params)> resumed(params, {.lr = 1e-3});
  tl::load_safetensors("adam.safetensors", resumed);
  // [/optimizer]

  // [errors]
  constexpr auto W32 = tl::var<"fc1.weight", 3, 2>;
  auto other = tl::at(W32 = tl::matrix<double, 3, 2>{}, b = tl::vector<double, 2>{});
  try {
    tl::load_safetensors("model.safetensors", other);
  } catch (const tl::safetensors_error& e) {
    std::printf("%s\n", e.what());  // ... "fc1.weight": the file holds shape [2, 3], ...
  }
  // [/errors]
  auto f32 = tl::at(W = tl::matrix<float, 2, 3>{}, b = tl::vector<float, 2>{});
  try {
    tl::load_safetensors("model.safetensors", f32);
  } catch (const tl::safetensors_error& e) {
    std::printf("%s\n", e.what());
  }
  std::printf("other untouched: %g\n", other[W32](0, 0));
  return 0;
}
