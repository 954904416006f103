#pragma once
// Layers and initialisers: tl::linear<"fc1", In, Out>, tl::parameters(gen, fc1, fc2), tl::init.
#include "nn/init.hpp"
#include "nn/linear.hpp"
