#pragma once
// Parameter bundles (and optimizer state) in safetensors files, the weights format of the
// PyTorch / Hugging Face ecosystem, so that a model trained with tapeless loads in Python and back.
// Opt-in: it needs nlohmann::json (Debian nlohmann-json3-dev; CMake target tapeless::safetensors).
//
//   tl::save_safetensors("model.safetensors", params, {{"epoch", "12"}});   // metadata optional
//   auto meta = tl::load_safetensors("model.safetensors", params);          // or throws
//
// The file: an 8-byte little-endian header length N, N bytes of JSON
//   {"W1": {"dtype": "F64", "shape": [50, 2], "data_offsets": [0, 800]}, ...,
//    "__metadata__": {"epoch": "12"}}
// (padded with spaces to a multiple of 8 bytes), then the tensors' raw little-endian bytes in
// row-major order, each at its offsets counted from the end of the header, the whole buffer
// covered without gaps or overlaps. A tensor is named by its symbol (`W1`, `fc1.weight`); a
// scalar has shape []. An optimizer is saved through its for_each_state: a bundle piece as
// "<piece>.<symbol>" (`square_avg.W1`), a number as "<piece>" (`step`, I64).
//
// Loading is strict and all or nothing: the file is read whole and checked (its length, its JSON,
// every entry's dtype, shape and offsets, the coverage of the buffer), then every tensor of the
// target must be in the file with the target's dtype and shape, and the file must hold nothing
// else (unless `ignore_extra`). Only then is the target assigned. Anything else is a
// safetensors_error naming the file and the tensor, and the target is untouched.
//
// dtypes: a float64 value reads F64, a float32 value F32; F32 into float64 is widened (exactly)
// only when asked with `{.widen_float32 = true}`, so that a float32 file given to a float64
// program does not pass unnoticed; F64 into float32 is always an error (it would round). An
// integer (a step count) reads I64, I32, U64 or U32 when the number fits.
//
// Saving writes `<file>.tmp`, flushes it to disk and renames it over `<file>`, as checkpoints do.
#include <algorithm>
#include <bit>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "detail/files.hpp"
#include "train/bundle.hpp"
#include "train/checkpoint.hpp"

namespace tapeless {

// A safetensors file that cannot be written, or read back into the given target.
class safetensors_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The file's "__metadata__": free-form text, string to string.
using safetensors_metadata = std::map<std::string, std::string>;

struct safetensors_options {
  bool widen_float32 = false;  // F32 tensors load into float64 values (exact); else an error
  bool ignore_extra = false;   // tensors in the file that the target does not have are skipped
};

namespace detail::st {

using ckpt::bundle;
using ckpt::has_state;
using ckpt::number;
using ckpt::tensor_value;

struct dtype_info {
  std::string_view name;
  std::size_t width;
};
// Every dtype of the format (so that a file with others is read and then refused by name).
inline constexpr dtype_info dtypes[] = {{"BOOL", 1},    {"U8", 1},  {"I8", 1},  {"F8_E5M2", 1},
                                        {"F8_E4M3", 1}, {"I16", 2}, {"U16", 2}, {"F16", 2},
                                        {"BF16", 2},    {"I32", 4}, {"U32", 4}, {"F32", 4},
                                        {"F64", 8},     {"I64", 8}, {"U64", 8}};
inline const dtype_info* find_dtype(std::string_view name) {
  for (const auto& d : dtypes)
    if (d.name == name) return &d;
  return nullptr;
}

// The dtype a value of scalar type T is written as.
template <class T>
constexpr std::string_view dtype_of() {
  if constexpr (std::is_same_v<T, double>)
    return "F64";
  else if constexpr (std::is_same_v<T, float>)
    return "F32";
  else if constexpr (std::is_integral_v<T> && std::is_signed_v<T> && !std::is_same_v<T, bool>)
    return "I64";
  else if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>)
    return "U64";
  else
    static_assert(!sizeof(T), "tapeless safetensors: values must be float, double or integers");
}

template <class V>
struct element {
  using type = V;
};
template <tensor_value V>
struct element<V> {
  using type = typename V::value_type;
};
template <class V>
using element_t = typename element<V>::type;

template <class V>
std::vector<std::uint64_t> shape_of() {
  if constexpr (number<V>)
    return {};
  else if constexpr (V::shape_type::rank == 1)
    return {V::rows};
  else
    return {V::rows, V::cols};
}

inline std::string shape_text(const std::vector<std::uint64_t>& dims) {
  std::string s = "[";
  for (std::size_t i = 0; i < dims.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(dims[i]);
  }
  return s + "]";
}

// f(name, value) for every tensor of a bundle or an optimizer's state (see the top of the file).
template <class T, class F>
void for_each_tensor(T& target, F&& f) {
  if constexpr (bundle<std::remove_const_t<T>>) {
    for_each_binding(target,
                     [&](auto key, auto& value) { f(std::string(decltype(key)::name), value); });
  } else if constexpr (has_state<std::remove_const_t<T>>) {
    // (for_each_state is not const; saving only reads through it)
    const_cast<std::remove_const_t<T>&>(target).for_each_state([&](std::string_view piece,
                                                                   auto& v) {
      using P = std::remove_cvref_t<decltype(v)>;
      static_assert(bundle<P> || number<P> || tensor_value<P>,
                    "tapeless safetensors: every piece of an optimizer's state (for_each_state) "
                    "must be a bundle, a tensor or a number");
      if constexpr (bundle<P>)
        for_each_binding(v, [&](auto key, auto& value) {
          f(std::string(piece) + "." + std::string(decltype(key)::name), value);
        });
      else if constexpr (number<P> || tensor_value<P>)
        f(std::string(piece), v);
    });
  } else {
    static_assert(bundle<std::remove_const_t<T>> || has_state<std::remove_const_t<T>>,
                  "tapeless safetensors: the target must be a parameter bundle (tl::at(...)) or an "
                  "optimizer (anything with for_each_state)");
  }
}

// One entry of a header, checked.
struct entry {
  std::string name;
  const dtype_info* dtype;
  std::vector<std::uint64_t> shape;
  std::uint64_t begin, end;
};

struct parsed {
  std::map<std::string, entry, std::less<>> entries;
  safetensors_metadata metadata;
  std::string_view data;  // the byte buffer after the header
};

[[noreturn]] inline void fail(const std::string& source, const std::string& what) {
  throw safetensors_error("tapeless: safetensors " + source + ": " + what);
}

inline std::uint64_t checked_unsigned(const nlohmann::json& j, const std::string& source,
                                      const std::string& where) {
  if (!j.is_number_unsigned())
    fail(source, where + " must be a non-negative integer, the header has " + j.dump());
  return j.get<std::uint64_t>();
}

// The header and buffer of a safetensors file's bytes, every rule of the format checked.
inline parsed parse(std::string_view bytes, const std::string& source) {
  if (bytes.size() < 8)
    fail(source, "truncated: " + std::to_string(bytes.size()) +
                     " bytes, shorter than the 8-byte header length");
  const auto n = files::get_le<std::uint64_t>(bytes.data());
  if (n > bytes.size() - 8)
    fail(source, "truncated: the header length says " + std::to_string(n) +
                     " bytes of JSON, the file holds " + std::to_string(bytes.size() - 8) +
                     " after it");
  const std::string_view text = bytes.substr(8, std::size_t(n));
  if (text.empty() || text.front() != '{')
    fail(source, "malformed: the JSON header must start with '{'");
  // (JSON text never holds a raw NUL; nlohmann would stop reading at one and accept the rest.)
  if (text.find('\0') != std::string_view::npos)
    fail(source, "malformed: the JSON header holds a NUL byte");
  // Keys of the top-level object, to refuse a name given twice (nlohmann would keep the last).
  std::set<std::string, std::less<>> top_keys;
  std::string twice;
  const nlohmann::json::parser_callback_t watch = [&](int depth, nlohmann::json::parse_event_t e,
                                                      nlohmann::json& j) {
    if (e == nlohmann::json::parse_event_t::key && depth == 1 &&
        !top_keys.insert(j.get<std::string>()).second && twice.empty())
      twice = j.get<std::string>();
    return true;
  };
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(text.begin(), text.end(), watch);
  } catch (const nlohmann::json::exception& e) {
    fail(source, std::string("malformed: the JSON header does not parse (") + e.what() + ")");
  }
  if (!twice.empty()) fail(source, "malformed: \"" + twice + "\" appears twice in the header");
  if (!header.is_object()) fail(source, "malformed: the JSON header is not an object");

  parsed out;
  out.data = bytes.substr(8 + std::size_t(n));
  for (const auto& [name, info] : header.items()) {
    if (name == "__metadata__") {
      if (!info.is_object()) fail(source, "malformed: \"__metadata__\" is not an object");
      for (const auto& [k, v] : info.items()) {
        if (!v.is_string())
          fail(source, "malformed: \"__metadata__\" value \"" + k + "\" is not a string");
        out.metadata.emplace(k, v.get<std::string>());
      }
      continue;
    }
    const std::string at = "\"" + name + "\"";
    if (!info.is_object() || !info.contains("dtype") || !info.contains("shape") ||
        !info.contains("data_offsets"))
      fail(source, "malformed: " + at + " must be an object with dtype, shape and data_offsets");
    const auto& dt = info["dtype"];
    const auto& sh = info["shape"];
    const auto& off = info["data_offsets"];
    if (!dt.is_string()) fail(source, "malformed: " + at + ": dtype is not a string");
    entry e{name, find_dtype(dt.get<std::string>()), {}, 0, 0};
    if (!e.dtype) fail(source, at + ": unknown dtype " + dt.dump());
    if (!sh.is_array()) fail(source, "malformed: " + at + ": shape is not an array");
    std::uint64_t count = 1;
    bool overflow = false;
    for (const auto& d : sh) {
      e.shape.push_back(checked_unsigned(d, source, "malformed: " + at + ": every dimension"));
      const std::uint64_t dim = e.shape.back();
      if (dim != 0 && count > std::numeric_limits<std::uint64_t>::max() / dim) overflow = true;
      count *= dim;
    }
    if (!off.is_array() || off.size() != 2)
      fail(source, "malformed: " + at + ": data_offsets must be [begin, end]");
    e.begin = checked_unsigned(off[0], source, "malformed: " + at + ": data_offsets");
    e.end = checked_unsigned(off[1], source, "malformed: " + at + ": data_offsets");
    if (e.end < e.begin)
      fail(source, "malformed: " + at + ": data_offsets [" + std::to_string(e.begin) + ", " +
                       std::to_string(e.end) + "] end before they begin");
    if (overflow || count > std::numeric_limits<std::uint64_t>::max() / e.dtype->width ||
        e.end - e.begin != count * e.dtype->width)
      fail(source,
           "malformed: " + at + ": shape " + shape_text(e.shape) + " of " +
               std::string(e.dtype->name) + " needs " +
               (overflow ? std::string("more than 2^64") : std::to_string(count * e.dtype->width)) +
               " bytes, data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
               "] hold " + std::to_string(e.end - e.begin));
    out.entries.emplace(name, std::move(e));
  }
  // The buffer is covered exactly: entries in offset order, each beginning where the last ends.
  std::vector<const entry*> order;
  for (const auto& [name, e] : out.entries) order.push_back(&e);
  std::stable_sort(order.begin(), order.end(), [](const entry* a, const entry* b) {
    return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
  });
  std::uint64_t reached = 0;
  const entry* last = nullptr;
  for (const entry* e : order) {
    const auto range = [](const entry* x) {
      return "\"" + x->name + "\" [" + std::to_string(x->begin) + ", " + std::to_string(x->end) +
             "]";
    };
    if (e->begin < reached)
      fail(source, "malformed: the data of " + range(last) + " and " + range(e) + " overlap");
    if (e->begin > reached)
      fail(source, "malformed: bytes " + std::to_string(reached) + " to " +
                       std::to_string(e->begin) + " of the data belong to no tensor (before " +
                       range(e) + ")");
    if (e->end > out.data.size())
      fail(source, "truncated: the data of " + range(e) + " end beyond the " +
                       std::to_string(out.data.size()) + " bytes the file holds");
    reached = e->end;
    last = e;
  }
  if (reached != out.data.size())
    fail(source, "malformed: " + std::to_string(out.data.size() - reached) +
                     " bytes after the last tensor belong to no tensor");
  return out;
}

// Element i of a file entry, as T (the dtype checked beforehand).
template <class T>
T read_element(const entry& e, std::string_view data, std::size_t i) {
  const char* p = data.data() + e.begin + i * e.dtype->width;
  const std::string_view d = e.dtype->name;
  if constexpr (std::is_floating_point_v<T>) {
    if (d == "F32") return T(files::get_float<float>(p));
    return T(files::get_float<double>(p));
  } else {
    if (d == "I64") return T(std::bit_cast<std::int64_t>(files::get_le<std::uint64_t>(p)));
    if (d == "I32") return T(std::bit_cast<std::int32_t>(files::get_le<std::uint32_t>(p)));
    if (d == "U32") return T(files::get_le<std::uint32_t>(p));
    return T(files::get_le<std::uint64_t>(p));
  }
}

// Whether an integer element fits T.
template <class T>
bool integer_fits(const entry& e, std::string_view data, std::size_t i) {
  const char* p = data.data() + e.begin + i * e.dtype->width;
  const std::string_view d = e.dtype->name;
  if (d == "I64")
    return std::in_range<T>(std::bit_cast<std::int64_t>(files::get_le<std::uint64_t>(p)));
  if (d == "I32")
    return std::in_range<T>(std::bit_cast<std::int32_t>(files::get_le<std::uint32_t>(p)));
  if (d == "U32") return std::in_range<T>(files::get_le<std::uint32_t>(p));
  return std::in_range<T>(files::get_le<std::uint64_t>(p));
}

template <class V>
void read_value(const entry& e, std::string_view data, V& v, const safetensors_options& opt,
                const std::string& source) {
  using T = element_t<V>;
  constexpr std::string_view want = dtype_of<T>();
  const std::string_view got = e.dtype->name;
  const std::string at = "\"" + e.name + "\"";
  bool ok = got == want;
  if constexpr (std::is_same_v<T, double>) ok = ok || (got == "F32" && opt.widen_float32);
  if constexpr (std::is_integral_v<T>)
    ok = got == "I64" || got == "I32" || got == "U64" || got == "U32";
  if (!ok) {
    std::string hint;
    if constexpr (std::is_same_v<T, double>)
      if (got == "F32") hint = " (load with {.widen_float32 = true} to widen them)";
    fail(source, at + ": the file holds " + std::string(got) + " values, the program needs " +
                     std::string(want) + hint);
  }
  if (e.shape != shape_of<V>())
    fail(source, at + ": the file holds shape " + shape_text(e.shape) + ", the program needs " +
                     shape_text(shape_of<V>()));
  for (std::size_t i = 0; i < size_of_value_v<V>; ++i) {
    if constexpr (std::is_integral_v<T>)
      if (!integer_fits<T>(e, data, i))
        fail(source, at + ": element " + std::to_string(i) + " does not fit the program's type");
    elem(v, i) = read_element<T>(e, data, i);
  }
}

}  // namespace detail::st

// The bytes of a safetensors file holding `source`'s tensors (what save_safetensors writes).
template <class T>
std::string encode_safetensors(const T& source, const safetensors_metadata& metadata = {}) {
  using namespace detail::st;
  nlohmann::json header = nlohmann::json::object();
  std::string data;
  for_each_tensor(source, [&](const std::string& name, const auto& value) {
    const auto& v = tapeless::detail::bound_value(value);  // (a std::cref binding: its value)
    using V = std::remove_cvref_t<decltype(v)>;
    using E = element_t<V>;
    if (name == "__metadata__" || header.contains(name))
      throw safetensors_error("tapeless: safetensors: two tensors would be named \"" + name +
                              "\" (or a tensor \"__metadata__\")");
    const std::uint64_t begin = data.size();
    for (std::size_t i = 0; i < size_of_value_v<V>; ++i) {
      const E x = elem(v, i);
      if constexpr (std::is_floating_point_v<E>)
        detail::files::put_float(data, x);
      else if constexpr (std::is_signed_v<E>)
        detail::files::put_le(data, std::bit_cast<std::uint64_t>(std::int64_t(x)));
      else
        detail::files::put_le(data, std::uint64_t(x));
    }
    header[name] = {{"dtype", dtype_of<E>()},
                    {"shape", shape_of<V>()},
                    {"data_offsets", {begin, std::uint64_t(data.size())}}};
  });
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // the data start 8-byte aligned
  std::string out;
  detail::files::put_le(out, std::uint64_t(text.size()));
  return out + text + data;
}

// Restores `target` (a bundle or an optimizer) from a safetensors file's bytes, all or nothing;
// returns the file's metadata. `source` names the bytes in messages (the file's path).
template <class T>
safetensors_metadata decode_safetensors(std::string_view bytes, const std::string& source,
                                        T& target, const safetensors_options& opt = {}) {
  using namespace detail::st;
  const parsed file = parse(bytes, source);
  T copy = target;
  std::set<std::string, std::less<>> restored;
  for_each_tensor(copy, [&](const std::string& name, auto& value) {
    using V = std::remove_cvref_t<decltype(value)>;
    static_assert(number<V> || tensor_value<V>,
                  "tapeless::load_safetensors: a bundle's values must be numbers or tensors held "
                  "by value (not std::cref), so that they can be restored");
    const auto it = file.entries.find(name);
    if (it == file.entries.end()) {
      std::string held;
      for (const auto& [n, e] : file.entries) held += " \"" + n + "\"";
      fail(source, "\"" + name + "\": not in the file (it holds" +
                       (held.empty() ? std::string(" no tensors") : held) + ")");
    }
    read_value(it->second, file.data, value, opt, source);
    restored.insert(name);
  });
  if (!opt.ignore_extra && restored.size() != file.entries.size()) {
    std::string extra;
    for (const auto& [n, e] : file.entries)
      if (!restored.count(n)) extra += " \"" + n + "\"";
    fail(source, "the file holds tensors the program does not restore:" + extra +
                     " (load with {.ignore_extra = true} to skip them)");
  }
  target = std::move(copy);
  return file.metadata;
}

// Writes `source`'s tensors to `file` atomically: `<file>.tmp`, flushed to disk, then renamed.
template <class T>
void save_safetensors(const std::filesystem::path& file, const T& source,
                      const safetensors_metadata& metadata = {}) {
  const std::string failed =
      detail::files::write_atomically(file, encode_safetensors(source, metadata));
  if (!failed.empty()) throw safetensors_error("tapeless: cannot write safetensors file " + failed);
}

// Restores `target` from `file`, all or nothing (a safetensors_error says what is wrong); returns
// the file's metadata.
template <class T>
safetensors_metadata load_safetensors(const std::filesystem::path& file, T& target,
                                      const safetensors_options& opt = {}) {
  std::string error;
  const auto bytes = detail::files::read_all(file, error);
  if (!bytes) throw safetensors_error("tapeless: safetensors " + file.string() + ": " + error);
  return decode_safetensors(*bytes, file.string(), target, opt);
}

}  // namespace tapeless
