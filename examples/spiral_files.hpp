// spiral --save and --load: the spiral's parameters in safetensors files. Declared here, defined
// in spiral_files.cpp, the one translation unit of spiral (and spiral_mpi) that includes
// <tapeless/safetensors.hpp>: nlohmann::json costs seconds of compile time wherever it is parsed
// and instantiated, and the training's translation unit is long enough already.
#pragma once
#include <filesystem>
#include <tapeless/tapeless.hpp>

namespace spiral {
// The parameters of the model in scalar type V, as train<V> holds them.
template <class V>
using parameters = decltype(tapeless::parameters<V>(fc1, fc2));
// Writes p to `file` (atomically), with a line of metadata naming the model.
void save_parameters(const std::filesystem::path& file, const parameters<double>& p);
void save_parameters(const std::filesystem::path& file, const parameters<float>& p);
// Reads p from `file`; on any error prints it to stderr, returns false and leaves p as it was.
bool load_parameters(const std::filesystem::path& file, parameters<double>& p);
bool load_parameters(const std::filesystem::path& file, parameters<float>& p);
}  // namespace spiral
