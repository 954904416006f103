#pragma once
// Training pieces: losses, bundle arithmetic and gradient accumulation, optimizers, checkpoints.
#include "train/bundle.hpp"
#include "train/checkpoint.hpp"
#include "train/loss.hpp"
#include "train/optimizer.hpp"
