#pragma once
// Training pieces: losses, bundle arithmetic and gradient accumulation, optimizers (SGD, RMSprop,
// Adam, AdamW, L-BFGS), learning-rate schedules, gradient clipping, checkpoints.
#include "train/bundle.hpp"
#include "train/checkpoint.hpp"
#include "train/clip.hpp"
#include "train/lbfgs.hpp"
#include "train/loss.hpp"
#include "train/optimizer.hpp"
#include "train/schedule.hpp"
