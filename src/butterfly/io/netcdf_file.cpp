// A thin RAII wrapper over the NetCDF-C API (see netcdf_file.hpp).
#include "butterfly/io/netcdf_file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <numeric>

#include "butterfly/core/error.hpp"

namespace butterfly {

namespace {

std::size_t product(const std::vector<std::size_t>& lengths) {
  return std::accumulate(lengths.begin(), lengths.end(), std::size_t{1}, std::multiplies<>());
}

}  // namespace

NetcdfFile NetcdfFile::create(const std::filesystem::path& path) {
  int ncid = -1;
  const int status = nc_create(path.c_str(), NC_NETCDF4 | NC_CLOBBER, &ncid);
  if (status != NC_NOERR) {
    throw RuntimeError(fmt::format("{}: cannot create: {}", path.string(), nc_strerror(status)));
  }
  return NetcdfFile(path, ncid);
}

NetcdfFile NetcdfFile::open(const std::filesystem::path& path) {
  int ncid = -1;
  const int status = nc_open(path.c_str(), NC_NOWRITE, &ncid);
  if (status != NC_NOERR) {
    throw RuntimeError(fmt::format("{}: cannot open: {}", path.string(), nc_strerror(status)));
  }
  return NetcdfFile(path, ncid);
}

NetcdfFile::NetcdfFile(NetcdfFile&& other) noexcept
    : path_(std::move(other.path_)), ncid_(std::exchange(other.ncid_, -1)) {}

NetcdfFile& NetcdfFile::operator=(NetcdfFile&& other) noexcept {
  if (this != &other) {
    if (ncid_ >= 0) nc_close(ncid_);
    path_ = std::move(other.path_);
    ncid_ = std::exchange(other.ncid_, -1);
  }
  return *this;
}

NetcdfFile::~NetcdfFile() {
  // Errors cannot be reported from a destructor; close() reports them.
  if (ncid_ >= 0) nc_close(ncid_);
}

void NetcdfFile::close() {
  if (ncid_ < 0) return;
  const int status = nc_close(std::exchange(ncid_, -1));
  check(status, "cannot close");
}

void NetcdfFile::sync() {
  require_open("cannot sync");
  check(nc_sync(ncid_), "cannot sync");
}

void NetcdfFile::check(int status, const std::string& what) const {
  if (status != NC_NOERR) {
    throw RuntimeError(fmt::format("{}: {}: {}", path_.string(), what, nc_strerror(status)));
  }
}

void NetcdfFile::require_open(const std::string& what) const {
  if (ncid_ < 0)
    throw RuntimeError(fmt::format("{}: {}: the file is closed", path_.string(), what));
}

int NetcdfFile::define_dimension(const std::string& name, std::size_t length) {
  const std::string what = fmt::format("cannot define dimension '{}'", name);
  require_open(what);
  int dimid = -1;
  check(nc_def_dim(ncid_, name.c_str(), length == 0 ? NC_UNLIMITED : length, &dimid), what);
  return dimid;
}

int NetcdfFile::define_variable(const std::string& name, nc_type type,
                                const std::vector<std::string>& dims) {
  const std::string what = fmt::format("cannot define variable '{}'", name);
  require_open(what);
  std::vector<int> dimids(dims.size());
  for (std::size_t i = 0; i < dims.size(); ++i) {
    check(nc_inq_dimid(ncid_, dims[i].c_str(), &dimids[i]),
          fmt::format("{}: dimension '{}'", what, dims[i]));
  }
  int varid = -1;
  check(
      nc_def_var(ncid_, name.c_str(), type, static_cast<int>(dimids.size()), dimids.data(), &varid),
      what);
  return varid;
}

int NetcdfFile::define_variable(const std::string& name, const std::vector<std::string>& dims,
                                const std::string& long_name, const std::string& units) {
  const int id = define_variable(name, NC_DOUBLE, dims);
  set_attribute(id, "long_name", long_name);
  set_attribute(id, "units", units);
  return id;
}

void NetcdfFile::set_compression(int var, int level, bool shuffle) {
  require_open("cannot set compression");
  const std::string what = fmt::format("cannot set compression of '{}'", variable_name(var));
  if (level < 0 || level > 9) {
    throw RuntimeError(
        fmt::format("{}: {}: level must be in 0..9, got {}", path_.string(), what, level));
  }
  check(nc_def_var_deflate(ncid_, var, shuffle ? 1 : 0, level > 0 ? 1 : 0, level), what);
}

void NetcdfFile::set_chunking(int var, const std::vector<std::size_t>& chunk_sizes) {
  require_open("cannot set chunking");
  const std::string what = fmt::format("cannot set chunking of '{}'", variable_name(var));
  int ndims = 0;
  check(nc_inq_varndims(ncid_, var, &ndims), what);
  if (chunk_sizes.size() != static_cast<std::size_t>(ndims)) {
    throw RuntimeError(fmt::format("{}: {}: {} chunk sizes for {} dimensions", path_.string(), what,
                                   chunk_sizes.size(), ndims));
  }
  check(nc_def_var_chunking(ncid_, var, NC_CHUNKED, chunk_sizes.data()), what);
}

void NetcdfFile::set_attribute(int var, const std::string& name, const std::string& value) {
  const std::string what = fmt::format("cannot set attribute '{}'", name);
  require_open(what);
  check(nc_put_att_text(ncid_, var, name.c_str(), value.size(), value.data()), what);
}

void NetcdfFile::set_attribute(int var, const std::string& name, const char* value) {
  set_attribute(var, name, std::string(value));
}

void NetcdfFile::set_attribute(int var, const std::string& name, double value) {
  set_attribute(var, name, std::vector<double>{value});
}

void NetcdfFile::set_attribute(int var, const std::string& name, std::int64_t value) {
  const std::string what = fmt::format("cannot set attribute '{}'", name);
  require_open(what);
  const long long v = value;
  check(nc_put_att_longlong(ncid_, var, name.c_str(), NC_INT64, 1, &v), what);
}

void NetcdfFile::set_attribute(int var, const std::string& name,
                               const std::vector<double>& values) {
  const std::string what = fmt::format("cannot set attribute '{}'", name);
  require_open(what);
  check(nc_put_att_double(ncid_, var, name.c_str(), NC_DOUBLE, values.size(), values.data()), what);
}

void NetcdfFile::end_definitions() {
  require_open("cannot end definitions");
  check(nc_enddef(ncid_), "cannot end definitions");
}

std::string NetcdfFile::variable_name(int var) const {
  if (var == NC_GLOBAL) return "(global)";
  char name[NC_MAX_NAME + 1] = {};
  check(nc_inq_varname(ncid_, var, name), fmt::format("no variable with id {}", var));
  return name;
}

std::vector<std::size_t> NetcdfFile::variable_shape(int var) const {
  const std::string what = fmt::format("cannot inspect variable '{}'", variable_name(var));
  int ndims = 0;
  check(nc_inq_varndims(ncid_, var, &ndims), what);
  std::vector<int> dimids(static_cast<std::size_t>(ndims));
  check(nc_inq_vardimid(ncid_, var, dimids.data()), what);
  std::vector<std::size_t> shape(dimids.size());
  for (std::size_t i = 0; i < dimids.size(); ++i) {
    check(nc_inq_dimlen(ncid_, dimids[i], &shape[i]), what);
  }
  return shape;
}

// The count that covers the whole of `var` with `size` values (see write_all).
std::vector<std::size_t> NetcdfFile::whole_count(int var, std::size_t size,
                                                 const std::string& what) const {
  int ndims = 0;
  check(nc_inq_varndims(ncid_, var, &ndims), what);
  std::vector<int> dimids(static_cast<std::size_t>(ndims));
  check(nc_inq_vardimid(ncid_, var, dimids.data()), what);
  int nunlimited = 0;
  check(nc_inq_unlimdims(ncid_, &nunlimited, nullptr), what);
  std::vector<int> unlimited(static_cast<std::size_t>(nunlimited));
  check(nc_inq_unlimdims(ncid_, &nunlimited, unlimited.data()), what);

  std::vector<std::size_t> count = variable_shape(var);
  std::size_t open_index = count.size();
  int open_dims = 0;
  for (std::size_t i = 0; i < dimids.size(); ++i) {
    if (std::find(unlimited.begin(), unlimited.end(), dimids[i]) != unlimited.end()) {
      open_index = i;
      ++open_dims;
    }
  }
  if (open_dims == 1) {
    count[open_index] = 1;
    const std::size_t rest = product(count);
    if (rest == 0 || size % rest != 0) {
      throw RuntimeError(fmt::format("{}: {}: {} values do not fill whole records of {}",
                                     path_.string(), what, size, rest));
    }
    count[open_index] = size / rest;
  } else if (product(count) != size) {
    throw RuntimeError(fmt::format("{}: {}: got {} values, the variable holds {}", path_.string(),
                                   what, size, product(count)));
  }
  return count;
}

namespace {

void check_slab_rank(const std::string& path, const std::string& what, std::size_t start_rank,
                     std::size_t count_rank, std::size_t ndims) {
  if (start_rank != ndims || count_rank != ndims) {
    throw RuntimeError(fmt::format("{}: {}: start/count have {}/{} entries, expected {}", path,
                                   what, start_rank, count_rank, ndims));
  }
}

}  // namespace

void NetcdfFile::write(int var, const std::vector<std::size_t>& start,
                       const std::vector<std::size_t>& count, const double* data) {
  require_open("cannot write");
  const std::string what = fmt::format("cannot write variable '{}'", variable_name(var));
  check_slab_rank(path_.string(), what, start.size(), count.size(), variable_shape(var).size());
  check(nc_put_vara_double(ncid_, var, start.data(), count.data(), data), what);
}

void NetcdfFile::write(int var, const std::vector<std::size_t>& start,
                       const std::vector<std::size_t>& count, const std::int64_t* data) {
  require_open("cannot write");
  const std::string what = fmt::format("cannot write variable '{}'", variable_name(var));
  check_slab_rank(path_.string(), what, start.size(), count.size(), variable_shape(var).size());
  static_assert(sizeof(long long) == sizeof(std::int64_t));
  check(nc_put_vara_longlong(ncid_, var, start.data(), count.data(),
                             reinterpret_cast<const long long*>(data)),
        what);
}

void NetcdfFile::write_all(int var, std::span<const double> data) {
  require_open("cannot write");
  const std::string what = fmt::format("cannot write variable '{}'", variable_name(var));
  const std::vector<std::size_t> count = whole_count(var, data.size(), what);
  write(var, std::vector<std::size_t>(count.size(), 0), count, data.data());
}

void NetcdfFile::write_all(int var, std::span<const std::int64_t> data) {
  require_open("cannot write");
  const std::string what = fmt::format("cannot write variable '{}'", variable_name(var));
  const std::vector<std::size_t> count = whole_count(var, data.size(), what);
  write(var, std::vector<std::size_t>(count.size(), 0), count, data.data());
}

void NetcdfFile::read(int var, const std::vector<std::size_t>& start,
                      const std::vector<std::size_t>& count, double* data) const {
  require_open("cannot read");
  const std::string what = fmt::format("cannot read variable '{}'", variable_name(var));
  check_slab_rank(path_.string(), what, start.size(), count.size(), variable_shape(var).size());
  check(nc_get_vara_double(ncid_, var, start.data(), count.data(), data), what);
}

std::vector<double> NetcdfFile::read_all_double(int var) const {
  require_open("cannot read");
  const std::vector<std::size_t> count = variable_shape(var);
  std::vector<double> data(product(count));
  if (data.empty()) return data;
  read(var, std::vector<std::size_t>(count.size(), 0), count, data.data());
  return data;
}

std::vector<double> NetcdfFile::read_all_double(const std::string& name) const {
  return read_all_double(variable_id(name));
}

std::vector<std::int64_t> NetcdfFile::read_all_int64(int var) const {
  require_open("cannot read");
  const std::string what = fmt::format("cannot read variable '{}'", variable_name(var));
  const std::vector<std::size_t> count = variable_shape(var);
  std::vector<std::int64_t> data(product(count));
  if (data.empty()) return data;
  const std::vector<std::size_t> start(count.size(), 0);
  check(nc_get_vara_longlong(ncid_, var, start.data(), count.data(),
                             reinterpret_cast<long long*>(data.data())),
        what);
  return data;
}

bool NetcdfFile::has_variable(const std::string& name) const {
  require_open("cannot inspect");
  int varid = -1;
  return nc_inq_varid(ncid_, name.c_str(), &varid) == NC_NOERR;
}

bool NetcdfFile::has_dimension(const std::string& name) const {
  require_open("cannot inspect");
  int dimid = -1;
  return nc_inq_dimid(ncid_, name.c_str(), &dimid) == NC_NOERR;
}

int NetcdfFile::variable_id(const std::string& name) const {
  require_open("cannot inspect");
  int varid = -1;
  if (nc_inq_varid(ncid_, name.c_str(), &varid) != NC_NOERR) {
    throw RuntimeError(fmt::format("{}: no variable '{}'", path_.string(), name));
  }
  return varid;
}

std::vector<std::string> NetcdfFile::variable_names() const {
  require_open("cannot inspect");
  int nvars = 0;
  check(nc_inq_varids(ncid_, &nvars, nullptr), "cannot list variables");
  std::vector<int> varids(static_cast<std::size_t>(nvars));
  check(nc_inq_varids(ncid_, &nvars, varids.data()), "cannot list variables");
  std::vector<std::string> names;
  names.reserve(varids.size());
  for (const int varid : varids) names.push_back(variable_name(varid));
  return names;
}

std::vector<std::pair<std::string, std::size_t>> NetcdfFile::variable_dimensions(
    const std::string& name) const {
  const int var = variable_id(name);
  const std::string what = fmt::format("cannot inspect variable '{}'", name);
  int ndims = 0;
  check(nc_inq_varndims(ncid_, var, &ndims), what);
  std::vector<int> dimids(static_cast<std::size_t>(ndims));
  check(nc_inq_vardimid(ncid_, var, dimids.data()), what);
  std::vector<std::pair<std::string, std::size_t>> dims;
  for (const int dimid : dimids) {
    char dim_name[NC_MAX_NAME + 1] = {};
    std::size_t length = 0;
    check(nc_inq_dim(ncid_, dimid, dim_name, &length), what);
    dims.emplace_back(dim_name, length);
  }
  return dims;
}

nc_type NetcdfFile::variable_type(const std::string& name) const {
  const int var = variable_id(name);
  nc_type type = NC_NAT;
  check(nc_inq_vartype(ncid_, var, &type), fmt::format("cannot inspect variable '{}'", name));
  return type;
}

std::size_t NetcdfFile::dimension_length(const std::string& name) const {
  require_open("cannot inspect");
  int dimid = -1;
  if (nc_inq_dimid(ncid_, name.c_str(), &dimid) != NC_NOERR) {
    throw RuntimeError(fmt::format("{}: no dimension '{}'", path_.string(), name));
  }
  std::size_t length = 0;
  check(nc_inq_dimlen(ncid_, dimid, &length), fmt::format("cannot inspect dimension '{}'", name));
  return length;
}

std::optional<std::string> NetcdfFile::text_attribute(int var, const std::string& name) const {
  require_open("cannot inspect");
  const std::string what =
      fmt::format("cannot read attribute '{}' of '{}'", name, variable_name(var));
  nc_type type = NC_NAT;
  std::size_t length = 0;
  if (nc_inq_att(ncid_, var, name.c_str(), &type, &length) != NC_NOERR) return std::nullopt;
  if (type == NC_STRING) {
    // NetCDF-4 string attributes (as some writers produce): join the strings.
    std::vector<char*> strings(length, nullptr);
    check(nc_get_att_string(ncid_, var, name.c_str(), strings.data()), what);
    std::string value;
    for (const char* s : strings) value += s != nullptr ? s : "";
    nc_free_string(length, strings.data());
    return value;
  }
  if (type != NC_CHAR) {
    throw RuntimeError(fmt::format("{}: {}: expected text, found a number", path_.string(), what));
  }
  std::string value(length, '\0');
  check(nc_get_att_text(ncid_, var, name.c_str(), value.data()), what);
  return value;
}

std::optional<std::vector<double>> NetcdfFile::numeric_attribute(int var,
                                                                 const std::string& name) const {
  require_open("cannot inspect");
  const std::string what =
      fmt::format("cannot read attribute '{}' of '{}'", name, variable_name(var));
  nc_type type = NC_NAT;
  std::size_t length = 0;
  if (nc_inq_att(ncid_, var, name.c_str(), &type, &length) != NC_NOERR) return std::nullopt;
  if (type == NC_CHAR || type == NC_STRING) {
    throw RuntimeError(fmt::format("{}: {}: expected a number, found text", path_.string(), what));
  }
  std::vector<double> values(length);
  check(nc_get_att_double(ncid_, var, name.c_str(), values.data()), what);
  return values;
}

std::string describe_dimensions(const std::vector<std::pair<std::string, std::size_t>>& dims) {
  std::string out;
  for (const auto& [name, length] : dims) {
    out += fmt::format("{}{}={}", out.empty() ? "" : ", ", name, length);
  }
  return "(" + out + ")";
}

}  // namespace butterfly
