#pragma once
// The Boost.Odeint bridge and the Neural ODE adjoint (opt-in: <tapeless/tapeless.hpp> does not
// include it). One idea per header:
//
//   odeint/state.hpp     states Odeint steps (std::array, tapeless::vector, ublas), static_algebra
//   odeint/system.hpp    system(f, z, t, bindings...): the dynamics as an Odeint system
//   odeint/implicit.hpp  implicit_system(...): (system, exact Jacobian) for rosenbrock4,
//                        implicit_euler
//   odeint/model.hpp     ode(f, z, t, wrt(theta...)): a model with parameters
//   odeint/loss.hpp      loss(L, Z, data...) over a static trajectory, observation_loss(...) per
//                        observation (any number of them)
//   odeint/options.hpp   options, adjoint_method, solve_stats
//   odeint/errors.hpp    solver_error, failure
//   odeint/solve.hpp     solve(...): the forward solve at observation times
//   odeint/observer.hpp  observe(on_forward[, on_backward]): see every accepted step of a solve
//   odeint/adjoint.hpp   odeint_adjoint(...): the loss and its gradient
//   odeint/batch.hpp     odeint_adjoint_batch(...), solve_batch(...): many items on all cores
#include "odeint/adjoint.hpp"
#include "odeint/batch.hpp"
#include "odeint/errors.hpp"
#include "odeint/implicit.hpp"
#include "odeint/loss.hpp"
#include "odeint/model.hpp"
#include "odeint/observer.hpp"
#include "odeint/options.hpp"
#include "odeint/solve.hpp"
#include "odeint/state.hpp"
#include "odeint/system.hpp"
#include "tapeless.hpp"
