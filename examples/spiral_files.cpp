// spiral --save and --load (see spiral_files.hpp).
#include <cstdio>
#include <tapeless/safetensors.hpp>

#include "spiral_training.hpp"

namespace spiral {
namespace {
template <class P>
void save(const std::filesystem::path& file, const P& p) {
  // fc1.weight and fc2.weight are [out, in], as PyTorch's nn.Linear.weight.
  tl::save_safetensors(file, p,
                       {{"model", "spiral: Linear(2, 50) -> tanh -> Linear(50, 2) on y^3"}});
}
template <class P>
bool load(const std::filesystem::path& file, P& p) {
  try {
    tl::load_safetensors(file, p);  // names, dtypes (F64, or F32 with --float) and shapes checked
    return true;
  } catch (const tl::safetensors_error& e) {
    std::fprintf(stderr, "spiral: %s\n", e.what());
    return false;
  }
}
}  // namespace

void save_parameters(const std::filesystem::path& file, const parameters<double>& p) {
  save(file, p);
}
void save_parameters(const std::filesystem::path& file, const parameters<float>& p) {
  save(file, p);
}
bool load_parameters(const std::filesystem::path& file, parameters<double>& p) {
  return load(file, p);
}
bool load_parameters(const std::filesystem::path& file, parameters<float>& p) {
  return load(file, p);
}
}  // namespace spiral
