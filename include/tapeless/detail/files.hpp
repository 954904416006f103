#pragma once
// What the file formats of tapeless share (train/checkpoint.hpp, safetensors.hpp): numbers as
// little-endian bytes on any host, a whole file read into memory, and a file written atomically.
#include <bit>
#include <concepts>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#endif

namespace tapeless::detail::files {

// v as sizeof(U) little-endian bytes appended to out.
template <std::unsigned_integral U>
void put_le(std::string& out, U v) {
  for (std::size_t i = 0; i < sizeof(U); ++i) out.push_back(char((v >> (8 * i)) & 0xffu));
}
// The unsigned number in the sizeof(U) little-endian bytes at p.
template <std::unsigned_integral U>
U get_le(const char* p) {
  U v = 0;
  for (std::size_t i = 0; i < sizeof(U); ++i) v |= U(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

// The unsigned integer type of a number's bits (float: u32, double: u64).
template <class T>
using bits_t = std::conditional_t<sizeof(T) == 8, std::uint64_t, std::uint32_t>;

// A float or double as its IEEE bits, little-endian.
template <std::floating_point T>
void put_float(std::string& out, T v) {
  static_assert(sizeof(T) == 4 || sizeof(T) == 8, "tapeless: only float and double are stored");
  put_le(out, std::bit_cast<bits_t<T>>(v));
}
template <std::floating_point T>
T get_float(const char* p) {
  return std::bit_cast<T>(get_le<bits_t<T>>(p));
}

// The bytes of `file`, or nullopt with `error` saying why ("cannot open it", "cannot read it").
inline std::optional<std::string> read_all(const std::filesystem::path& file, std::string& error) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    error = "cannot open it";
    return std::nullopt;
  }
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) {
    error = "cannot read it";
    return std::nullopt;
  }
  return std::move(bytes).str();
}

// Writes `bytes` to `<file>.tmp`, flushes it to disk and renames it over `file`, so that a reader
// (or a job killed at any moment) sees the previous file or the new one, never a mixture. Returns
// the empty string, or the path that could not be written (the temporary is removed).
inline std::string write_atomically(const std::filesystem::path& file, std::string_view bytes) {
  std::filesystem::path tmp = file;
  tmp += ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) return tmp.string();
  bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size() && std::fflush(f) == 0;
#if defined(__unix__) || defined(__APPLE__)
  ok = ok && ::fsync(::fileno(f)) == 0;  // on disk before the rename makes it the file
#endif
  ok = (std::fclose(f) == 0) && ok;
  std::error_code ec;
  if (ok) std::filesystem::rename(tmp, file, ec);
  if (!ok || ec) {
    std::filesystem::remove(tmp, ec);
    return file.string();
  }
  return {};
}

}  // namespace tapeless::detail::files
