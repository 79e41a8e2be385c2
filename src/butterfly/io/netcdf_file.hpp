// A thin RAII wrapper over the NetCDF-C API: one open NetCDF-4 file, its
// dimensions, variables and attributes. Every NetCDF error becomes a
// RuntimeError "PATH: <what was being done>: <nc_strerror>".
#pragma once

#include <netcdf.h>

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace butterfly {

// One open NetCDF file. Move-only; the destructor closes it (ignoring errors:
// call close() to see them). Variables and dimensions are named by the ids
// that define_* and variable_id() return; NC_GLOBAL names the file itself
// for attributes. NetCDF-C is not thread-safe: use one file from one thread.
class NetcdfFile {
 public:
  // Creates (or overwrites) a NetCDF-4 file at `path`, in define mode.
  static NetcdfFile create(const std::filesystem::path& path);
  // Opens an existing NetCDF file (any format NetCDF-C reads) read-only.
  static NetcdfFile open(const std::filesystem::path& path);

  NetcdfFile(NetcdfFile&& other) noexcept;
  NetcdfFile& operator=(NetcdfFile&& other) noexcept;
  NetcdfFile(const NetcdfFile&) = delete;
  NetcdfFile& operator=(const NetcdfFile&) = delete;
  ~NetcdfFile();

  // Flushes and closes the file; throws RuntimeError if NetCDF reports an
  // error (e.g. the disk is full). Closing twice is a no-op.
  void close();
  // Flushes buffered data to disk without closing.
  void sync();
  bool is_open() const { return ncid_ >= 0; }
  const std::filesystem::path& path() const { return path_; }
  // The NetCDF-C id, for calls this wrapper does not cover.
  int ncid() const { return ncid_; }

  // --- define mode -------------------------------------------------------

  // Defines a dimension of `length` entries (0 = unlimited); returns its id.
  int define_dimension(const std::string& name, std::size_t length);
  // Defines a variable of `type` (NC_DOUBLE, NC_INT, NC_INT64, ...) over the
  // named dimensions, slowest-varying first; returns its id.
  int define_variable(const std::string& name, nc_type type, const std::vector<std::string>& dims);
  // A double variable with the CF attributes long_name and units.
  int define_variable(const std::string& name, const std::vector<std::string>& dims,
                      const std::string& long_name, const std::string& units);
  // Compresses a variable with zlib at `level` (1-9; 0 = none), with the byte
  // shuffle filter that helps floating-point data.
  void set_compression(int var, int level, bool shuffle = true);
  // Stores a variable in chunks of the given sizes, one per dimension.
  void set_chunking(int var, const std::vector<std::size_t>& chunk_sizes);
  // Sets an attribute on variable `var` (or NC_GLOBAL): text, one double, one
  // 64-bit integer (other integer types convert), or an array of doubles.
  void set_attribute(int var, const std::string& name, const std::string& value);
  void set_attribute(int var, const std::string& name, const char* value);
  void set_attribute(int var, const std::string& name, double value);
  void set_attribute(int var, const std::string& name, std::int64_t value);
  void set_attribute(int var, const std::string& name, const std::vector<double>& values);
  template <std::integral T>
  requires(!std::same_as<T, bool> &&
           !std::same_as<T, std::int64_t>) void set_attribute(int var, const std::string& name,
                                                              T value) {
    set_attribute(var, name, static_cast<std::int64_t>(value));
  }
  // Leaves define mode; data can be written afterwards.
  void end_definitions();

  // --- data ----------------------------------------------------------------

  // Writes the hyperslab starting at `start` with `count` entries per
  // dimension from `data` (row-major, last dimension fastest). Writing past
  // the end of an unlimited dimension extends it.
  void write(int var, const std::vector<std::size_t>& start, const std::vector<std::size_t>& count,
             const double* data);
  void write(int var, const std::vector<std::size_t>& start, const std::vector<std::size_t>& count,
             const std::int64_t* data);
  // Writes the whole variable. If it has one unlimited dimension, that
  // dimension's extent is data.size() divided by the other dimensions'
  // product; otherwise data.size() must equal the variable's size.
  void write_all(int var, std::span<const double> data);
  void write_all(int var, std::span<const std::int64_t> data);
  // Reads the hyperslab `start`/`count` into `data` (converting to double).
  void read(int var, const std::vector<std::size_t>& start, const std::vector<std::size_t>& count,
            double* data) const;
  // Reads the whole variable, converted to double / int64, row-major.
  std::vector<double> read_all_double(int var) const;
  std::vector<double> read_all_double(const std::string& name) const;
  std::vector<std::int64_t> read_all_int64(int var) const;

  // --- inspection ----------------------------------------------------------

  bool has_variable(const std::string& name) const;
  bool has_dimension(const std::string& name) const;
  // The id of a variable; RuntimeError "PATH: no variable 'NAME'" if absent.
  int variable_id(const std::string& name) const;
  // The names of all variables, in definition order.
  std::vector<std::string> variable_names() const;
  // A variable's dimensions as (name, current length), slowest first.
  std::vector<std::pair<std::string, std::size_t>> variable_dimensions(
      const std::string& name) const;
  // A variable's external type (NC_DOUBLE, NC_INT, ...).
  nc_type variable_type(const std::string& name) const;
  // The current length of a dimension; RuntimeError if absent.
  std::size_t dimension_length(const std::string& name) const;
  // A text attribute of `var` (or NC_GLOBAL); nullopt if absent. RuntimeError
  // if present but not text.
  std::optional<std::string> text_attribute(int var, const std::string& name) const;
  // A numeric attribute of `var` (or NC_GLOBAL) converted to doubles; nullopt
  // if absent. RuntimeError if present but text.
  std::optional<std::vector<double>> numeric_attribute(int var, const std::string& name) const;

 private:
  NetcdfFile(std::filesystem::path path, int ncid) : path_(std::move(path)), ncid_(ncid) {}
  // Throws RuntimeError "PATH: WHAT: nc_strerror(status)" unless status is NC_NOERR.
  void check(int status, const std::string& what) const;
  void require_open(const std::string& what) const;
  std::string variable_name(int var) const;
  std::vector<std::size_t> variable_shape(int var) const;
  std::vector<std::size_t> whole_count(int var, std::size_t size, const std::string& what) const;

  std::filesystem::path path_;
  int ncid_ = -1;
};

// "(name=length, ...)": a variable's dimensions as messages quote them.
std::string describe_dimensions(const std::vector<std::pair<std::string, std::size_t>>& dims);

}  // namespace butterfly
