#pragma once
// z(t) between checkpoints for the checkpointed adjoint: the nodes of a forward re-integration
// (t, z, z', z''), joined by quintic Hermite polynomials. With z' = f and z'' = df/dz f + df/dt
// both derived from the model, the interpolant is sixth-order accurate in the step, so it does not
// limit a fifth-order solver.
#include <algorithm>
#include <array>
#include <cstddef>
#include <vector>

#include "../../tensor.hpp"

namespace tapeless::odeint::detail {

template <class V, std::size_t N>
class hermite_trajectory {
 public:
  struct node {
    V t;
    std::array<V, N> z, dz, ddz;
  };

  void clear() {
    nodes_.clear();
    hint_ = 0;
  }
  void reserve(std::size_t n) { nodes_.reserve(n); }
  std::size_t size() const { return nodes_.size(); }
  const node& operator[](std::size_t i) const { return nodes_[i]; }

  template <class Z, class DZ, class DDZ>
  void push(V t, const Z& z, const DZ& dz, const DDZ& ddz) {
    nodes_.push_back(make(t, z, dz, ddz));
  }
  // A node between nodes k and k + 1.
  template <class Z, class DZ, class DDZ>
  void insert_after(std::size_t k, V t, const Z& z, const DZ& dz, const DDZ& ddz) {
    nodes_.insert(nodes_.begin() + static_cast<std::ptrdiff_t>(k + 1), make(t, z, dz, ddz));
    hint_ = k;
  }

  // z(t), and z'(t) when asked. Nodes are in increasing time; t outside them extrapolates the
  // first or last piece. Queries mostly move monotonically, so the last piece found is tried first.
  void at(V t, tensor<V, N>& z, tensor<V, N>* zdot = nullptr) const {
    const std::size_t k = piece(t);
    const node& a = nodes_[k];
    const node& b = nodes_[k + 1];
    const V h = b.t - a.t;
    const V s = (t - a.t) / h;
    const V s2 = s * s, s3 = s2 * s, s4 = s3 * s, s5 = s4 * s;
    const V h0 = 1 - 10 * s3 + 15 * s4 - 6 * s5;
    const V h1 = s - 6 * s3 + 8 * s4 - 3 * s5;
    const V h2 = (s2 - 3 * s3 + 3 * s4 - s5) / 2;
    const V h3 = 10 * s3 - 15 * s4 + 6 * s5;
    const V h4 = -4 * s3 + 7 * s4 - 3 * s5;
    const V h5 = (s3 - 2 * s4 + s5) / 2;
    for (std::size_t i = 0; i < N; ++i)
      z.data[i] = h0 * a.z[i] + h * (h1 * a.dz[i] + h * h2 * a.ddz[i]) + h3 * b.z[i] +
                  h * (h4 * b.dz[i] + h * h5 * b.ddz[i]);
    if (zdot) {
      const V d0 = -30 * s2 + 60 * s3 - 30 * s4;
      const V d1 = 1 - 18 * s2 + 32 * s3 - 15 * s4;
      const V d2 = (2 * s - 9 * s2 + 12 * s3 - 5 * s4) / 2;
      const V d4 = -12 * s2 + 28 * s3 - 15 * s4;
      const V d5 = (3 * s2 - 8 * s3 + 5 * s4) / 2;
      for (std::size_t i = 0; i < N; ++i)
        zdot->data[i] = (d0 * (a.z[i] - b.z[i])) / h + d1 * a.dz[i] + h * d2 * a.ddz[i] +
                        d4 * b.dz[i] + h * d5 * b.ddz[i];
    }
  }

 private:
  std::size_t piece(V t) const {
    const std::size_t last = nodes_.size() - 2;  // at least two nodes
    std::size_t k = std::min(hint_, last);
    if (nodes_[k].t <= t && t <= nodes_[k + 1].t) return k;
    if (k > 0 && nodes_[k - 1].t <= t && t <= nodes_[k].t) return hint_ = k - 1;
    const auto it = std::upper_bound(nodes_.begin(), nodes_.end(), t,
                                     [](V x, const node& n) { return x < n.t; });
    const std::size_t j = static_cast<std::size_t>(it - nodes_.begin());
    k = j == 0 ? 0 : std::min(j - 1, last);
    return hint_ = k;
  }

  template <class Z, class DZ, class DDZ>
  static node make(V t, const Z& z, const DZ& dz, const DDZ& ddz) {
    node n;
    n.t = t;
    for (std::size_t i = 0; i < N; ++i) {
      n.z[i] = z[i];
      n.dz[i] = dz[i];
      n.ddz[i] = ddz[i];
    }
    return n;
  }

  std::vector<node> nodes_;
  mutable std::size_t hint_ = 0;
};

}  // namespace tapeless::odeint::detail
