#pragma once
// The tapeless DSL: expressions, evaluation, derivatives, printing. The Boost.Odeint bridge is
// opt-in: include <tapeless/odeint.hpp>; training pieces: <tapeless/train.hpp>. Layers and
// initialisers (nn.hpp) are included here.
#include "config.hpp"
#include "tensor.hpp"
#include "expr/node.hpp"
#include "ops/arithmetic.hpp"
#include "ops/elementwise.hpp"
#include "ops/compare.hpp"
#include "ops/reduce.hpp"
#include "ops/linalg.hpp"
#include "ops/structure.hpp"
#include "eval/bindings.hpp"
#include "eval/eval.hpp"
#include "diff/d.hpp"
#include "diff/grad.hpp"
#include "diff/into.hpp"
#include "print.hpp"
#include "nn.hpp"
