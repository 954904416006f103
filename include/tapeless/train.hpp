#pragma once
// Training pieces: losses, bundle arithmetic and gradient accumulation, optimizers.
#include "train/bundle.hpp"
#include "train/loss.hpp"
#include "train/optimizer.hpp"
