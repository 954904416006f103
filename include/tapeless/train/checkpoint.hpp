#pragma once
// Training state that survives a crash: named entries (a parameter bundle, an optimizer, the
// iteration count, a random engine, a std::vector of numbers) saved to one file, and restored
// all or nothing.
//
//   tl::save_checkpoint(dir / "train.ckpt", tl::entry("params", params),
//                       tl::entry("optimizer", opt), tl::entry("iteration", it),
//                       tl::entry("rng", gen));
//   tl::load_checkpoint(dir / "train.ckpt", <the same entries>);  // or throws checkpoint_error
//
// Saving writes `<file>.tmp`, flushes it to disk and renames it over `<file>`, so a job killed at
// any moment leaves either the previous checkpoint or the new one, never a mixture. Loading reads
// the whole file, checks its header, length and hash, then decodes every entry into a copy of its
// target; only when every entry has been read and matches its target in kind, type and shape are
// the targets assigned. A truncated, corrupted or foreign file, or one written by a different
// program (other entries, other shapes), is a checkpoint_error that names the file, the entry
// and what differs, and nothing has been changed.
//
// The file (format version 1; every number little-endian, floats as their IEEE bits):
//   "TAPELESS"  u32 version  u32 0  u64 body length  u64 FNV-1a hash of the body   (32 bytes)
//   body:   u32 entry count, then per entry: string name, value
//   string: u32 length, bytes
//   value:  u8 kind, then
//     1 number:   u8 type, the number
//     2 tensor:   u8 type, u8 rank, u64 dimensions..., elements in row-major order
//     3 bundle:   u32 count, then per symbol: string name, value (a number or a tensor)
//     4 state:    u32 count, then per piece: string name, value (an optimizer's for_each_state)
//     5 engine:   string (the random engine's text form, operator<< / operator>>)
//     6 sequence: u8 type, u64 length, elements (a std::vector of numbers)
//   type: 1 float64, 2 float32, 3 signed integer (as i64), 4 unsigned integer (as u64)
#include <array>
#include <bit>
#include <boost/hana/core/is_a.hpp>
#include <boost/hana/keys.hpp>
#include <boost/hana/map.hpp>
#include <concepts>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "../detail/files.hpp"
#include "../tensor.hpp"
#include "bundle.hpp"

namespace tapeless {

// A checkpoint file that cannot be written, or read back into the given entries.
class checkpoint_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One named piece of training state: what save_checkpoint writes and load_checkpoint restores.
template <class T>
struct checkpoint_entry {
  std::string_view name;
  T* target;
};
template <class T>
checkpoint_entry<T> entry(std::string_view name, T& target) {
  return {name, &target};
}

namespace detail::ckpt {

inline constexpr std::string_view magic = "TAPELESS";
inline constexpr std::uint32_t version = 1;
inline constexpr std::size_t header_size = 32;
enum kind : std::uint8_t { k_number = 1, k_tensor, k_bundle, k_state, k_engine, k_sequence };
enum type : std::uint8_t { t_f64 = 1, t_f32, t_int, t_uint };

inline std::uint64_t fnv1a(std::string_view bytes) {
  std::uint64_t h = 14695981039346656037ull;
  for (const char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

template <class T>
constexpr type type_of() {
  if constexpr (std::is_same_v<T, double>)
    return t_f64;
  else if constexpr (std::is_same_v<T, float>)
    return t_f32;
  else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>)
    return t_int;
  else
    return t_uint;
}
inline std::string type_name(std::uint8_t t) {
  switch (t) {
    case t_f64: return "float64";
    case t_f32: return "float32";
    case t_int: return "signed integer";
    case t_uint: return "unsigned integer";
    default: return "type " + std::to_string(t);
  }
}
inline std::string kind_name(std::uint8_t k) {
  switch (k) {
    case k_number: return "a number";
    case k_tensor: return "a tensor";
    case k_bundle: return "a parameter bundle";
    case k_state: return "an optimizer's state";
    case k_engine: return "a random engine";
    case k_sequence: return "a sequence of numbers";
    default: return "kind " + std::to_string(k);
  }
}

template <class T>
concept number = std::is_arithmetic_v<T>;
template <class T>
concept tensor_value = requires {
  typename T::shape_type;
  typename T::value_type;
  T::size;
} && std::is_arithmetic_v<typename T::value_type>;
template <class T>
concept bundle = boost::hana::is_a<boost::hana::map_tag, T>();
struct visit_any {
  void operator()(std::string_view, auto&) const {}
};
template <class T>
concept has_state = requires(T& t) { t.for_each_state(visit_any{}); };
template <class T>
concept engine = std::uniform_random_bit_generator<T> &&
                 requires(std::ostream& o, std::istream& i, T& t) {
                   o << t;
                   i >> t;
                 };
template <class T>
struct is_number_vector : std::false_type {};
template <class T, class A>
struct is_number_vector<std::vector<T, A>> : std::bool_constant<std::is_arithmetic_v<T>> {};

template <class T>
constexpr bool storable() {
  return number<T> || tensor_value<T> || bundle<T> || has_state<T> || engine<T> ||
         is_number_vector<T>::value;
}

// ---- writing ----
struct writer {
  std::string out;
  void bytes(const void* p, std::size_t n) { out.append(static_cast<const char*>(p), n); }
  template <std::unsigned_integral U>
  void uint(U v) {
    files::put_le(out, v);
  }
  void u8(std::uint8_t v) { out.push_back(char(v)); }
  void str(std::string_view s) {
    uint(std::uint32_t(s.size()));
    out.append(s);
  }
  template <number T>
  void element(T v) {
    if constexpr (std::is_same_v<T, double> || std::is_same_v<T, float>)
      files::put_float(out, v);
    else if constexpr (std::is_floating_point_v<T>)
      static_assert(!sizeof(T), "tapeless::save_checkpoint: only float and double are stored");
    else if constexpr (std::is_signed_v<T>)
      uint(std::bit_cast<std::uint64_t>(std::int64_t(v)));
    else
      uint(std::uint64_t(v));
  }
};

template <class T>
void write_value(writer& w, T& v) {
  if constexpr (number<T>) {
    w.u8(k_number);
    w.u8(type_of<T>());
    w.element(v);
  } else if constexpr (tensor_value<T>) {
    using S = typename T::shape_type;
    w.u8(k_tensor);
    w.u8(type_of<typename T::value_type>());
    w.u8(std::uint8_t(S::rank));
    w.uint(std::uint64_t(T::rows));
    if constexpr (S::rank == 2) w.uint(std::uint64_t(T::cols));
    for (std::size_t i = 0; i < T::size; ++i) w.element(v.data[i]);
  } else if constexpr (bundle<T>) {
    w.u8(k_bundle);
    w.uint(std::uint32_t(decltype(boost::hana::length(boost::hana::keys(v)))::value));
    for_each_binding(v, [&](auto key, auto& value) {
      using V = std::remove_cvref_t<decltype(value)>;
      static_assert(number<V> || tensor_value<V>,
                    "tapeless::save_checkpoint: a bundle's values must be numbers or tensors held "
                    "by value (not std::cref), so that they can be restored");
      w.str(decltype(key)::name);
      write_value(w, value);
    });
  } else if constexpr (has_state<T>) {
    w.u8(k_state);
    std::uint32_t count = 0;
    v.for_each_state([&](std::string_view, auto&) { ++count; });
    w.uint(count);
    v.for_each_state([&](std::string_view name, auto& piece) {
      w.str(name);
      write_value(w, piece);
    });
  } else if constexpr (engine<T>) {
    std::ostringstream text;
    text << v;
    w.u8(k_engine);
    w.str(text.str());
  } else if constexpr (is_number_vector<T>::value) {
    w.u8(k_sequence);
    w.u8(type_of<typename T::value_type>());
    w.uint(std::uint64_t(v.size()));
    for (const auto& x : v) w.element(x);
  } else {
    static_assert(storable<T>(),
                  "tapeless::checkpoint: an entry must be a number, a tensor, a parameter bundle "
                  "(tl::at(...)), an optimizer, a random engine or a std::vector of numbers");
  }
}

// ---- reading ----
struct reader {
  std::string_view data;
  std::size_t pos = 0;
  const std::string* source;

  [[noreturn]] void fail(const std::string& what) const {
    throw checkpoint_error("tapeless: checkpoint " + *source + ": " + what);
  }
  std::string_view take(std::size_t n, const std::string& where) {
    if (data.size() - pos < n) fail(where + ": the data end early (a malformed file)");
    const auto s = data.substr(pos, n);
    pos += n;
    return s;
  }
  template <std::unsigned_integral U>
  U uint(const std::string& where) {
    return files::get_le<U>(take(sizeof(U), where).data());
  }
  std::uint8_t u8(const std::string& where) { return uint<std::uint8_t>(where); }
  std::string_view str(const std::string& where) {
    return take(uint<std::uint32_t>(where), where);
  }
  template <number T>
  T element(std::uint8_t file_type, const std::string& where) {
    if constexpr (std::is_same_v<T, double>)
      return std::bit_cast<double>(uint<std::uint64_t>(where));
    else if constexpr (std::is_same_v<T, float>)
      return std::bit_cast<float>(uint<std::uint32_t>(where));
    else {
      const std::uint64_t bits = uint<std::uint64_t>(where);
      if (file_type == t_int) {
        const auto v = std::bit_cast<std::int64_t>(bits);
        if (!std::in_range<T>(v)) fail(where + ": " + std::to_string(v) + " does not fit");
        return T(v);
      }
      if (!std::in_range<T>(bits)) fail(where + ": " + std::to_string(bits) + " does not fit");
      return T(bits);
    }
  }
  void expect_kind(std::uint8_t want, const std::string& where) {
    const std::uint8_t k = u8(where);
    if (k != want) fail(where + ": the file holds " + kind_name(k) + ", the program needs " +
                        kind_name(want));
  }
  template <number T>
  std::uint8_t expect_type(const std::string& where) {
    const std::uint8_t t = u8(where);
    constexpr std::uint8_t want = type_of<T>();
    const bool ok = std::is_integral_v<T> ? (t == t_int || t == t_uint) : t == want;
    if (!ok) fail(where + ": the file holds " + type_name(t) + " values, the program needs " +
                  type_name(want));
    return t;
  }
};

inline std::string shape_text(const std::vector<std::uint64_t>& dims) {
  std::string s;
  for (std::size_t i = 0; i < dims.size(); ++i) {
    if (i) s += 'x';  // (not "x" + to_string(): g++ 12 -O3 warns a false -Wrestrict on that)
    s += std::to_string(dims[i]);
  }
  return s;
}

// The named values of a bundle or state, each as the offset where its value starts.
inline std::map<std::string, std::size_t, std::less<>> read_names(reader& r,
                                                                  const std::string& where,
                                                                  auto&& skip_value) {
  std::map<std::string, std::size_t, std::less<>> at;
  const auto count = r.uint<std::uint32_t>(where);
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::string name(r.str(where));
    if (!at.emplace(name, r.pos).second) r.fail(where + ": \"" + name + "\" appears twice");
    skip_value(r, where + ", \"" + name + "\"");
  }
  return at;
}

inline void skip_value(reader& r, const std::string& where);

template <class T>
void read_value(reader& r, T& v, const std::string& where) {
  if constexpr (number<T>) {
    r.expect_kind(k_number, where);
    const auto t = r.expect_type<T>(where);
    v = r.element<T>(t, where);
  } else if constexpr (tensor_value<T>) {
    using S = typename T::shape_type;
    r.expect_kind(k_tensor, where);
    const auto t = r.expect_type<typename T::value_type>(where);
    const std::uint8_t rank = r.u8(where);
    std::vector<std::uint64_t> dims(rank);
    for (auto& d : dims) d = r.uint<std::uint64_t>(where);
    std::vector<std::uint64_t> want{T::rows};
    if constexpr (S::rank == 2) want.push_back(T::cols);
    if (dims != want)
      r.fail(where + ": the file holds a " + shape_text(dims) + " tensor, the program needs " +
             shape_text(want));
    for (std::size_t i = 0; i < T::size; ++i) v.data[i] = r.element<typename T::value_type>(t, where);
  } else if constexpr (bundle<T> || has_state<T>) {
    constexpr bool is_bundle = bundle<T>;
    r.expect_kind(is_bundle ? k_bundle : k_state, where);
    const auto at = read_names(r, where, skip_value);
    const std::size_t end = r.pos;
    std::size_t matched = 0;
    auto one = [&](std::string_view name, auto& piece) {
      const auto it = at.find(name);
      const std::string here = where + ", \"" + std::string(name) + "\"";
      if (it == at.end()) r.fail(here + ": not in the file");
      r.pos = it->second;
      read_value(r, piece, here);
      ++matched;
    };
    if constexpr (is_bundle)
      for_each_binding(v, [&](auto key, auto& value) { one(decltype(key)::name, value); });
    else
      v.for_each_state(one);
    if (matched != at.size()) {
      std::string extra;
      for (const auto& [name, pos] : at) extra += " \"" + name + "\"";
      r.fail(where + ": the file holds " + std::to_string(at.size()) + " values (" + extra.substr(1) +
             "), the program restores " + std::to_string(matched));
    }
    r.pos = end;
  } else if constexpr (engine<T>) {
    r.expect_kind(k_engine, where);
    std::istringstream text{std::string(r.str(where))};
    text >> v;
    if (!text) r.fail(where + ": the random engine's state does not parse");
  } else if constexpr (is_number_vector<T>::value) {
    using E = typename T::value_type;
    r.expect_kind(k_sequence, where);
    const auto t = r.expect_type<E>(where);
    const auto n = r.uint<std::uint64_t>(where);
    if (n > (r.data.size() - r.pos)) r.fail(where + ": the data end early (a malformed file)");
    v.resize(std::size_t(n));
    for (auto& x : v) x = r.element<E>(t, where);
  } else {
    static_assert(storable<T>(),
                  "tapeless::checkpoint: an entry must be a number, a tensor, a parameter bundle "
                  "(tl::at(...)), an optimizer, a random engine or a std::vector of numbers");
  }
}

// Steps over one value of any kind (to index a bundle's values by name before reading them).
inline void skip_value(reader& r, const std::string& where) {
  const std::uint8_t k = r.u8(where);
  auto width = [&](std::uint8_t t) -> std::size_t {
    switch (t) {
      case t_f64: case t_int: case t_uint: return 8;
      case t_f32: return 4;
      default: r.fail(where + ": unknown element type " + std::to_string(t));
    }
  };
  switch (k) {
    case k_number: r.take(width(r.u8(where)), where); return;
    case k_tensor: {
      const std::size_t w = width(r.u8(where));
      std::uint64_t n = 1;
      const std::uint8_t rank = r.u8(where);
      for (std::uint8_t i = 0; i < rank; ++i) n *= r.uint<std::uint64_t>(where);
      if (n > r.data.size() / w) r.fail(where + ": the data end early (a malformed file)");
      r.take(std::size_t(n) * w, where);
      return;
    }
    case k_bundle: case k_state: read_names(r, where, skip_value); return;
    case k_engine: r.str(where); return;
    case k_sequence: {
      const std::size_t w = width(r.u8(where));
      const auto n = r.uint<std::uint64_t>(where);
      if (n > r.data.size() / w) r.fail(where + ": the data end early (a malformed file)");
      r.take(std::size_t(n) * w, where);
      return;
    }
    default: r.fail(where + ": unknown kind of value " + std::to_string(k));
  }
}

}  // namespace detail::ckpt

// The checkpoint file's bytes for these entries (what save_checkpoint writes).
template <class... T>
std::string encode_checkpoint(const checkpoint_entry<T>&... entries) {
  detail::ckpt::writer body;
  body.uint(std::uint32_t(sizeof...(T)));
  ((body.str(entries.name), detail::ckpt::write_value(body, *entries.target)), ...);
  detail::ckpt::writer file;
  file.bytes(detail::ckpt::magic.data(), detail::ckpt::magic.size());
  file.uint(detail::ckpt::version);
  file.uint(std::uint32_t{0});
  file.uint(std::uint64_t(body.out.size()));
  file.uint(detail::ckpt::fnv1a(body.out));
  return file.out + body.out;
}

// Restores the entries from a checkpoint file's bytes, all or nothing; `source` names the bytes in
// messages (the file's path).
template <class... T>
void decode_checkpoint(std::string_view bytes, const std::string& source,
                       const checkpoint_entry<T>&... entries) {
  using namespace detail::ckpt;
  reader r{bytes, 0, &source};
  if (bytes.size() < header_size || bytes.substr(0, magic.size()) != magic) {
    if (bytes.size() >= magic.size() && bytes.substr(0, magic.size()) != magic)
      r.fail("not a tapeless checkpoint (the file does not start with \"TAPELESS\")");
    r.fail("truncated: " + std::to_string(bytes.size()) + " bytes, shorter than the " +
           std::to_string(header_size) + "-byte header");
  }
  r.pos = magic.size();
  const auto file_version = r.uint<std::uint32_t>("header");
  if (file_version != version)
    r.fail("format version " + std::to_string(file_version) + ", this tapeless reads version " +
           std::to_string(version));
  r.uint<std::uint32_t>("header");
  const auto length = r.uint<std::uint64_t>("header");
  const auto hash = r.uint<std::uint64_t>("header");
  const std::size_t held = bytes.size() - header_size;
  if (length != held)
    r.fail((length > held ? "truncated: the header promises " : "the header promises ") +
           std::to_string(length) + " bytes of data, the file holds " + std::to_string(held));
  const std::string_view body = bytes.substr(header_size);
  if (fnv1a(body) != hash) r.fail("corrupted: the data do not match the header's hash");

  const auto at = read_names(r, "the entry list", skip_value);
  const std::size_t want = sizeof...(T);
  if (at.size() != want || !((at.count(entries.name) == 1) && ...)) {
    std::string names, asked;
    for (const auto& [name, pos] : at) names += " \"" + name + "\"";
    ((asked += " \"" + std::string(entries.name) + "\""), ...);
    r.fail("holds the entries" + names + ", the program restores" + asked +
           " (a checkpoint of another program?)");
  }
  // Every entry into a copy first; the targets change only when all of them have been read.
  std::tuple<T...> copies{*entries.target...};
  [&]<std::size_t... i>(std::index_sequence<i...>) {
    auto one = [&](const auto& e, auto& copy) {
      r.pos = at.find(e.name)->second;
      read_value(r, copy, "entry \"" + std::string(e.name) + "\"");
    };
    (one(entries, std::get<i>(copies)), ...);
    ((*entries.target = std::move(std::get<i>(copies))), ...);
  }(std::index_sequence_for<T...>{});
}

// Writes the entries to `file` atomically: `<file>.tmp`, flushed to disk, then renamed.
template <class... T>
void save_checkpoint(const std::filesystem::path& file, const checkpoint_entry<T>&... entries) {
  const std::string failed = detail::files::write_atomically(file, encode_checkpoint(entries...));
  if (!failed.empty()) throw checkpoint_error("tapeless: cannot write checkpoint " + failed);
}

// The bytes of a checkpoint file (a checkpoint_error if it cannot be read).
inline std::string read_checkpoint_bytes(const std::filesystem::path& file) {
  std::string error;
  auto bytes = detail::files::read_all(file, error);
  if (!bytes) throw checkpoint_error("tapeless: checkpoint " + file.string() + ": " + error);
  return std::move(*bytes);
}

// Restores the entries from `file`, all or nothing (a checkpoint_error says what is wrong).
template <class... T>
void load_checkpoint(const std::filesystem::path& file, const checkpoint_entry<T>&... entries) {
  decode_checkpoint(read_checkpoint_bytes(file), file.string(), entries...);
}

// load_checkpoint when `file` exists (true), nothing when it does not (false): resuming a run.
template <class... T>
bool load_checkpoint_if_present(const std::filesystem::path& file,
                                const checkpoint_entry<T>&... entries) {
  if (!std::filesystem::exists(file)) return false;
  load_checkpoint(file, entries...);
  return true;
}

}  // namespace tapeless
