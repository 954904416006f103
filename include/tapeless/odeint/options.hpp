#pragma once
// Options of the adjoint and forward solves, named after torchdiffeq's `odeint_adjoint` arguments
// where there is one (rtol, atol, adjoint_rtol, adjoint_atol); the steppers themselves are
// passed as Odeint stepper objects, not named here.
#include <cstddef>

namespace tapeless::odeint {

// How the gradient is computed.
enum class adjoint_method {
  // Chen et al. 2018: z is solved backward in time together with the adjoint. Cheap in memory,
  // but the gradient is only as good as the backward solve reproduces the forward z; for
  // dynamics that are unstable backward it can be far off.
  backsolve,
  // The forward pass keeps z at checkpoints (the observation times, optionally more); each
  // backward segment re-integrates z forward from its checkpoint, interpolates it (quintic
  // Hermite, from f and df/dt derived from the model) and solves only the adjoint backward.
  checkpointed,
  // The exact gradient of the fixed-step explicit Runge-Kutta solution (step options::dt),
  // obtained by running the stepper's stages backward with the same derived products.
  discretize_then_optimize,
};

struct options {
  // Forward tolerances (torchdiffeq's defaults).
  double rtol = 1e-7;
  double atol = 1e-9;
  // Tolerances of the backward (adjoint) solve; 0 means "as forward".
  double adjoint_rtol = 0;
  double adjoint_atol = 0;
  adjoint_method method = adjoint_method::checkpointed;
  // Leave the parameter adjoint a_theta (and a_t) out of the adjoint's error estimate
  // (Kidger et al. 2021): they never feed back into the dynamics. Explicit Runge-Kutta error
  // steppers only (the norm lives in tapeless's error checker).
  bool seminorm = false;
  // Keep the adaptive step size from one observation interval to the next instead of starting
  // each interval again from `dt`.
  bool carry_step = true;
  // The forward pass of a stepper with a dense-output form (dopri5, rosenbrock4) steps past the
  // observation times and interpolates z there with the stepper's own interpolant, as torchdiffeq
  // and Odeint's integrate_times do: the steps are those the tolerance asks for, not one per
  // observation interval. false: every step ends exactly at each observation time. (Other
  // steppers always stop, and so does every stepper with carry_step = false; a stepper wrapped in
  // dense_output(...) always interpolates.)
  bool interpolate_observations = true;
  // backsolve only: at each observation time, set z back to the value the forward pass stored
  // (torchdiffeq does this). false is Chen et al.'s pure backward solve.
  bool reset_state = true;
  // Initial step of adaptive solves (0: chosen from the state and its derivative); the step of
  // fixed-step steppers and of discretize_then_optimize (required there).
  double dt = 0;
  // Smallest step an adaptive solve may take before it gives up (0: 64 ulp of the time).
  double min_dt = 0;
  // Most steps (accepted and rejected) one solve may take, forward and backward each.
  std::size_t max_steps = 100000;
  // checkpointed only: also keep a checkpoint every this many accepted forward steps
  // (0: checkpoints at the observation times only).
  std::size_t checkpoint_every = 0;
  // checkpointed only: keep z after every accepted forward step, so that the backward pass builds
  // its interpolant from the forward pass's own states instead of re-integrating each segment
  // (memory: one state per accepted step, kept in the thread's workspace, so a batch of short
  // solves allocates it once). false keeps only the checkpoints and re-integrates.
  bool reuse_forward_steps = true;
};

// What a solve did, for tuning and for the benchmarks.
struct solve_stats {
  std::size_t forward_rhs = 0;          // evaluations of f in the forward pass
  std::size_t backward_rhs = 0;         // evaluations of the augmented dynamics
  std::size_t jump_rhs = 0;             // evaluations of f for dL/dt_i at the adjoint jumps
  std::size_t reintegration_rhs = 0;    // evaluations of f re-integrating z (checkpointed,
                                        // discretize_then_optimize)
  std::size_t interpolation_evals = 0;  // f and z'' at interpolation nodes (checkpointed)
  std::size_t jacobian_evals = 0;       // Jacobians handed to implicit steppers
  std::size_t forward_steps = 0;        // accepted steps
  std::size_t backward_steps = 0;
  std::size_t rejected_steps = 0;       // all rejected steps: the two below together
  std::size_t forward_rejected_steps = 0;   // in the forward pass
  std::size_t backward_rejected_steps = 0;  // in the backward pass and its re-integration
  // (The rejected steps inside rosenbrock4's dense output are not seen: its controller retries
  // inside itself.)
};

}  // namespace tapeless::odeint
