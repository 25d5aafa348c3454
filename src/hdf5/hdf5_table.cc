#include "hdf5/hdf5_table.h"

#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <optional>

#include "core/schema_text.h"
#include "strata/file_system.h"
#include "strata/timestamp.h"
#include "wal/batch_codec.h"

namespace strata::hdf5 {
namespace {

// Owns one HDF5 identifier; closes it with the function of its kind.
class Handle {
 public:
  Handle() = default;
  explicit Handle(hid_t id) : id_(id) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& o) noexcept : id_(o.id_) { o.id_ = H5I_INVALID_HID; }
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) {
      Reset();
      id_ = o.id_;
      o.id_ = H5I_INVALID_HID;
    }
    return *this;
  }
  ~Handle() { Reset(); }
  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }
  herr_t Reset() {
    herr_t rc = 0;
    if (id_ >= 0) {
      switch (H5Iget_type(id_)) {
        case H5I_FILE: rc = H5Fclose(id_); break;
        case H5I_GROUP: rc = H5Gclose(id_); break;
        case H5I_DATASET: rc = H5Dclose(id_); break;
        case H5I_DATASPACE: rc = H5Sclose(id_); break;
        case H5I_DATATYPE: rc = H5Tclose(id_); break;
        case H5I_ATTR: rc = H5Aclose(id_); break;
        case H5I_GENPROP_LST: rc = H5Pclose(id_); break;
        default: rc = H5Oclose(id_); break;
      }
    }
    id_ = H5I_INVALID_HID;
    return rc;
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
};

// libhdf5 prints its error stack to stderr by default; our errors are values with their own text.
void QuietLibrary() {
  static const bool once = [] {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    return true;
  }();
  (void)once;
}

// The innermost message of the library's current error stack ("" when none).
std::string LibraryMessage() {
  std::string msg;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_UPWARD,
      [](unsigned n, const H5E_error2_t* e, void* out) -> herr_t {
        if (n == 0 && e->desc != nullptr) *static_cast<std::string*>(out) = e->desc;
        return 0;
      },
      &msg);
  H5Eclear2(H5E_DEFAULT);
  return msg;
}

Status Fail(const std::string& what) {
  std::string lib = LibraryMessage();
  return Status::IOError(what + (lib.empty() ? "" : " (libhdf5: " + lib + ")"));
}

Handle StringType(H5T_cset_t cset = H5T_CSET_UTF8) {
  Handle t(H5Tcopy(H5T_C_S1));
  H5Tset_size(t.get(), H5T_VARIABLE);
  H5Tset_cset(t.get(), cset);
  return t;
}

// h5py's bool: an enum over int8 with FALSE = 0, TRUE = 1.
Handle BoolType() {
  Handle t(H5Tenum_create(H5T_NATIVE_INT8));
  int8_t v = 0;
  H5Tenum_insert(t.get(), "FALSE", &v);
  v = 1;
  H5Tenum_insert(t.get(), "TRUE", &v);
  return t;
}

Status WriteStringAttribute(hid_t obj, const char* name, const std::string& value) {
  Handle type = StringType();
  Handle space(H5Screate(H5S_SCALAR));
  Handle attr(H5Acreate2(obj, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT));
  if (!attr.ok()) return Fail(std::string("cannot create attribute ") + name);
  const char* p = value.c_str();
  if (H5Awrite(attr.get(), type.get(), &p) < 0) return Fail(std::string("cannot write attribute ") + name);
  return Status::OK();
}

// A string attribute's value; nullopt when absent or not a string.
std::optional<std::string> ReadStringAttribute(hid_t obj, const char* name) {
  if (H5Aexists(obj, name) <= 0) return std::nullopt;
  Handle attr(H5Aopen(obj, name, H5P_DEFAULT));
  Handle ftype(H5Aget_type(attr.get()));
  if (!ftype.ok() || H5Tget_class(ftype.get()) != H5T_STRING) return std::nullopt;
  Handle space(H5Aget_space(attr.get()));
  if (H5Sget_simple_extent_npoints(space.get()) != 1) return std::nullopt;
  if (H5Tis_variable_str(ftype.get()) > 0) {
    Handle mtype = StringType(H5Tget_cset(ftype.get()));
    char* p = nullptr;
    if (H5Aread(attr.get(), mtype.get(), &p) < 0 || p == nullptr) return std::nullopt;
    std::string out(p);
    H5free_memory(p);
    return out;
  }
  const size_t n = H5Tget_size(ftype.get());
  std::string buf(n, '\0');
  if (H5Aread(attr.get(), ftype.get(), buf.data()) < 0) return std::nullopt;
  buf.resize(std::strlen(buf.c_str()));
  return buf;
}

// Extends the 1-D dataset `ds` of `start` rows by the `n` elements at `data` (of memory type `mtype`).
Status AppendRows(hid_t ds, hid_t mtype, const void* data, hsize_t start, hsize_t n, const std::string& what) {
  hsize_t size[1] = {start + n}, first[1] = {start}, count[1] = {n};
  if (H5Dset_extent(ds, size) < 0) return Fail("cannot extend " + what);
  Handle fspace(H5Dget_space(ds));
  H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, first, nullptr, count, nullptr);
  Handle mspace(H5Screate_simple(1, count, nullptr));
  if (H5Dwrite(ds, mtype, mspace.get(), fspace.get(), H5P_DEFAULT, data) < 0) return Fail("cannot write " + what);
  return Status::OK();
}

// ---------------------------------------------------------------------------------------------
// Writer

class WriterImpl final : public TableWriter {
 public:
  Status Init(const std::string& path, const std::string& group, const std::vector<Field>& fields,
              const std::string& table) {
    path_ = path;
    fields_ = fields;
    file_ = Handle(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
    if (!file_.ok()) return Fail("cannot create HDF5 file " + path);
    if (group == "/" || group.empty()) {
      group_ = Handle(H5Gopen2(file_.get(), "/", H5P_DEFAULT));
    } else {
      Handle lcpl(H5Pcreate(H5P_LINK_CREATE));
      H5Pset_create_intermediate_group(lcpl.get(), 1);
      group_ = Handle(H5Gcreate2(file_.get(), group.c_str(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT));
    }
    if (!group_.ok()) return Fail("cannot create group " + group + " in " + path);
    RETURN_IF_ERROR(WriteStringAttribute(group_.get(), "strata_schema", FieldsToString(fields)));
    RETURN_IF_ERROR(WriteStringAttribute(group_.get(), "strata_table", table));
    for (const Field& f : fields) {
      Col c;
      c.type = FileType(f.type);
      ASSIGN_OR_RETURN(c.values, CreateDataset(f.name, c.type.get()));
      if (f.type == ColumnType::kTimestamp) RETURN_IF_ERROR(WriteStringAttribute(c.values.get(), "unit", "ns"));
      if (f.nullable) {
        c.valid_type = BoolType();
        ASSIGN_OR_RETURN(c.valid, CreateDataset(f.name + ".valid", c.valid_type.get()));
      }
      cols_.push_back(std::move(c));
    }
    return Status::OK();
  }

  ~WriterImpl() override { (void)Close(); }

  Status Append(const RecordBatch& batch) override {
    if (batch.fields() != fields_) return Status::InvalidArgument("HDF5 writer: batch fields differ from the file's");
    const size_t n = batch.num_rows();
    if (n == 0) return Status::OK();
    for (size_t i = 0; i < fields_.size(); ++i) {
      const Field& f = fields_[i];
      const Column& col = batch.column(i);
      Col& c = cols_[i];
      const void* data = nullptr;
      hid_t mtype = c.type.get();
      switch (f.type) {
        case ColumnType::kTimestamp:
        case ColumnType::kInt64: data = col.int64s().data(); break;
        case ColumnType::kInt32: data = col.int32s().data(); break;
        case ColumnType::kFloat64: data = col.doubles().data(); break;
        case ColumnType::kFloat32:
          floats_.resize(n);
          for (size_t r = 0; r < n; ++r) floats_[r] = static_cast<float>(col.doubles()[r]);
          data = floats_.data();
          break;
        case ColumnType::kBool: data = col.bools().data(); break;
        case ColumnType::kSymbol:
        case ColumnType::kString: {
          // NUL-terminated copies: HDF5's variable-length strings end at the first NUL.
          chars_.clear();
          chars_.reserve(col.chars().size() + n);
          std::vector<size_t> starts(n);
          for (size_t r = 0; r < n; ++r) {
            std::string_view s = col.GetString(r);
            if (s.find('\0') != std::string_view::npos) {
              return Status::InvalidArgument("column " + f.name + ", row " + std::to_string(rows_ + r + 1) +
                                             ": a string with a NUL byte cannot be stored in HDF5");
            }
            starts[r] = chars_.size();
            chars_.append(s);
            chars_.push_back('\0');
          }
          ptrs_.resize(n);
          for (size_t r = 0; r < n; ++r) ptrs_[r] = chars_.data() + starts[r];
          data = ptrs_.data();
          break;
        }
      }
      RETURN_IF_ERROR(Write(c.values.get(), mtype, data, n, f.name));
      if (c.valid.ok()) {
        valid_.assign(n, 1);
        if (!col.validity().empty()) valid_.assign(col.validity().begin(), col.validity().begin() + n);
        RETURN_IF_ERROR(Write(c.valid.get(), c.valid_type.get(), valid_.data(), n, f.name + ".valid"));
      }
    }
    rows_ += n;
    return Status::OK();
  }

  Status Close() override {
    if (!file_.ok()) return Status::OK();
    cols_.clear();
    group_.Reset();
    if (H5Fflush(file_.get(), H5F_SCOPE_GLOBAL) < 0) {
      Status st = Fail("cannot flush " + path_);
      file_.Reset();
      return st;
    }
    if (file_.Reset() < 0) return Fail("cannot close " + path_);
    return Status::OK();
  }

  uint64_t rows() const override { return rows_; }

 private:
  struct Col {
    Handle type, values, valid_type, valid;
  };

  static Handle FileType(ColumnType t) {
    switch (t) {
      case ColumnType::kTimestamp:
      case ColumnType::kInt64: return Handle(H5Tcopy(H5T_STD_I64LE));
      case ColumnType::kInt32: return Handle(H5Tcopy(H5T_STD_I32LE));
      case ColumnType::kFloat64: return Handle(H5Tcopy(H5T_IEEE_F64LE));
      case ColumnType::kFloat32: return Handle(H5Tcopy(H5T_IEEE_F32LE));
      case ColumnType::kBool: return BoolType();
      case ColumnType::kSymbol:
      case ColumnType::kString: return StringType();
    }
    return Handle();
  }

  Result<Handle> CreateDataset(const std::string& name, hid_t type) {
    hsize_t dims[1] = {0}, maxdims[1] = {H5S_UNLIMITED}, chunk[1] = {kChunkRows};
    Handle space(H5Screate_simple(1, dims, maxdims));
    Handle dcpl(H5Pcreate(H5P_DATASET_CREATE));
    H5Pset_chunk(dcpl.get(), 1, chunk);
    H5Pset_shuffle(dcpl.get());
    H5Pset_deflate(dcpl.get(), 4);
    Handle ds(H5Dcreate2(group_.get(), name.c_str(), type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT));
    if (!ds.ok()) return Fail("cannot create dataset " + name + " in " + path_);
    return ds;
  }

  Status Write(hid_t ds, hid_t mtype, const void* data, size_t n, const std::string& name) {
    return AppendRows(ds, mtype, data, rows_, n, "dataset " + name + " in " + path_);
  }

  std::string path_;
  std::vector<Field> fields_;
  Handle file_, group_;
  std::vector<Col> cols_;
  uint64_t rows_ = 0;
  std::vector<float> floats_;
  std::string chars_;
  std::vector<const char*> ptrs_;
  std::vector<uint8_t> valid_;
};

// ---------------------------------------------------------------------------------------------
// pandas / PyTables "table" layout

// Python's pickle protocol 0, the few shapes pandas' table metadata uses (PyTables pickles
// attribute values that are not NumPy scalars or arrays this way).
std::string PickleString(std::string_view utf8) {
  // 'V' takes raw-unicode-escape text: ASCII as is, everything else (and '\', newline) as \uXXXX.
  std::string out = "V";
  for (size_t i = 0; i < utf8.size();) {
    const auto c = static_cast<unsigned char>(utf8[i]);
    uint32_t cp = c;
    size_t len = 1;
    if (c >= 0xF0 && i + 3 < utf8.size()) {
      cp = ((c & 0x07u) << 18) | ((utf8[i + 1] & 0x3Fu) << 12) | ((utf8[i + 2] & 0x3Fu) << 6) | (utf8[i + 3] & 0x3Fu);
      len = 4;
    } else if (c >= 0xE0 && i + 2 < utf8.size()) {
      cp = ((c & 0x0Fu) << 12) | ((utf8[i + 1] & 0x3Fu) << 6) | (utf8[i + 2] & 0x3Fu);
      len = 3;
    } else if (c >= 0xC0 && i + 1 < utf8.size()) {
      cp = ((c & 0x1Fu) << 6) | (utf8[i + 1] & 0x3Fu);
      len = 2;
    }
    if (cp < 0x80 && cp != '\\' && cp != '\n' && cp != '\r') {
      out.push_back(static_cast<char>(cp));
    } else {
      char buf[16];
      if (cp > 0xFFFF) {
        std::snprintf(buf, sizeof(buf), "\\U%08x", cp);
      } else {
        std::snprintf(buf, sizeof(buf), "\\u%04x", cp);
      }
      out += buf;
    }
    i += len;
  }
  return out + "\n";
}

std::string PickleList(const std::vector<std::string>& items) {
  std::string out = "(l";
  for (const std::string& s : items) out += PickleString(s) + "a";
  return out;
}

// The strings of a protocol-0 pickle, in order (V raw-unicode-escape and S quoted ones): enough to
// read the column names of pandas' `*_kind` and `non_index_axes` attributes.
std::vector<std::string> UnpickleStrings(std::string_view p) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < p.size()) {
    const char op = p[i];
    size_t eol = p.find('\n', i);
    if (eol == std::string_view::npos) break;
    std::string_view arg = p.substr(i + 1, eol - i - 1);
    if (op == 'V') {
      std::string s;
      for (size_t k = 0; k < arg.size(); ++k) {
        if (arg[k] == '\\' && k + 1 < arg.size() && (arg[k + 1] == 'u' || arg[k + 1] == 'U')) {
          const size_t digits = arg[k + 1] == 'u' ? 4 : 8;
          if (k + 2 + digits > arg.size()) break;
          const uint32_t cp =
              static_cast<uint32_t>(std::strtoul(std::string(arg.substr(k + 2, digits)).c_str(), nullptr, 16));
          if (cp < 0x80) {
            s.push_back(static_cast<char>(cp));
          } else if (cp < 0x800) {
            s.push_back(static_cast<char>(0xC0 | (cp >> 6)));
            s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
          } else if (cp < 0x10000) {
            s.push_back(static_cast<char>(0xE0 | (cp >> 12)));
            s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
          } else {
            s.push_back(static_cast<char>(0xF0 | (cp >> 18)));
            s.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
            s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
          }
          k += 1 + digits;
        } else {
          s.push_back(arg[k]);
        }
      }
      out.push_back(std::move(s));
      i = eol + 1;
    } else if (op == 'S' && arg.size() >= 2 && (arg[0] == '\'' || arg[0] == '"')) {
      out.emplace_back(arg.substr(1, arg.size() - 2));
      i = eol + 1;
    } else if (op == 'I' || op == 'L' || op == 'F' || op == 'p' || op == 'g') {
      i = eol + 1;  // ops with a newline-terminated argument
    } else {
      ++i;  // one-byte ops: ( l d t a s N .
    }
  }
  return out;
}

// A fixed-length (null-terminated) string attribute, as PyTables writes them: UTF-8 for a Python
// str, ASCII for bytes (a pickle: PyTables unpickles only those); an empty value is written with a
// null dataspace, as PyTables does for TITLE "".
enum class Text { kStr, kPickle };
Status WriteFixedStringAttribute(hid_t obj, const char* name, const std::string& value, Text text = Text::kStr) {
  Handle type(H5Tcopy(H5T_C_S1));
  H5Tset_size(type.get(), std::max<size_t>(value.size(), 1));
  H5Tset_strpad(type.get(), H5T_STR_NULLTERM);
  H5Tset_cset(type.get(), text == Text::kStr ? H5T_CSET_UTF8 : H5T_CSET_ASCII);
  Handle space(H5Screate(value.empty() ? H5S_NULL : H5S_SCALAR));
  Handle attr(H5Acreate2(obj, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT));
  if (!attr.ok()) return Fail(std::string("cannot create attribute ") + name);
  if (!value.empty() && H5Awrite(attr.get(), type.get(), value.data()) < 0) {
    return Fail(std::string("cannot write attribute ") + name);
  }
  return Status::OK();
}

Status WriteScalarAttribute(hid_t obj, const char* name, hid_t type, const void* value) {
  Handle space(H5Screate(H5S_SCALAR));
  Handle attr(H5Acreate2(obj, name, type, space.get(), H5P_DEFAULT, H5P_DEFAULT));
  if (!attr.ok() || H5Awrite(attr.get(), type, value) < 0) return Fail(std::string("cannot write attribute ") + name);
  return Status::OK();
}

// Writes the rows into a spool file first (the wal's batch encoding, each batch prefixed by its
// u64 length) while measuring the longest string of each string column, then builds the compound
// dataset with those widths in Close().
class PandasWriterImpl final : public TableWriter {
 public:
  Status Init(const std::string& path, const std::string& group, const std::vector<Field>& fields,
              const std::string& table) {
    path_ = path;
    group_name_ = group.empty() ? "/" : group;
    fields_ = fields;
    table_ = table;
    if (group_name_ == "/") {
      return Status::InvalidArgument("the pandas table layout needs a group below / (pandas' key), e.g. /" + table);
    }
    for (const Field& f : fields) {
      if (f.name == "index") {
        return Status::InvalidArgument(
            "a column named index clashes with pandas' index member: export with --layout columns");
      }
    }
    widths_.assign(fields.size(), 1);
    spool_path_ = path + ".spool";
    ASSIGN_OR_RETURN(spool_, DefaultFileSystem()->NewWritableFile(spool_path_, OpenMode::kTruncate));
    return Status::OK();
  }

  ~PandasWriterImpl() override {
    if (spool_ || !closed_) {
      spool_.reset();
      (void)DefaultFileSystem()->RemoveFile(spool_path_);
    }
  }

  Status Append(const RecordBatch& batch) override {
    if (closed_) return Status::InvalidArgument("HDF5 writer: closed");
    if (batch.fields() != fields_) return Status::InvalidArgument("HDF5 writer: batch fields differ from the file's");
    const size_t n = batch.num_rows();
    if (n == 0) return Status::OK();
    for (size_t i = 0; i < fields_.size(); ++i) {
      if (!IsString(fields_[i].type)) continue;
      const Column& col = batch.column(i);
      for (size_t r = 0; r < n; ++r) {
        std::string_view s = col.GetString(r);
        if (s.find('\0') != std::string_view::npos) {
          return Status::InvalidArgument("column " + fields_[i].name + ", row " + std::to_string(rows_ + r + 1) +
                                         ": a string with a NUL byte cannot be stored in HDF5");
        }
        widths_[i] = std::max(widths_[i], s.size());
      }
    }
    encoded_.clear();
    const uint64_t len = EncodedBatchSize(batch);
    encoded_.append(reinterpret_cast<const char*>(&len), sizeof(len));
    EncodeBatch(batch, &encoded_);
    RETURN_IF_ERROR(spool_->Append(encoded_));
    rows_ += n;
    return Status::OK();
  }

  Status Close() override {
    if (closed_) return Status::OK();
    closed_ = true;
    RETURN_IF_ERROR(spool_->Close());
    spool_.reset();
    Status st = WriteFile();
    (void)DefaultFileSystem()->RemoveFile(spool_path_);
    return st;
  }

  uint64_t rows() const override { return rows_; }

 private:
  static bool IsString(ColumnType t) { return t == ColumnType::kSymbol || t == ColumnType::kString; }

  // One member of the row record.
  struct Member {
    std::string name;
    size_t offset = 0, size = 0;
    int field = -1;      // the column it holds (-1: the index)
    bool valid = false;  // the column's validity, not its values
    Handle type;
  };

  static const char* PandasDtype(ColumnType t) {
    switch (t) {
      case ColumnType::kTimestamp: return "datetime64";
      case ColumnType::kInt64: return "int64";
      case ColumnType::kInt32: return "int32";
      case ColumnType::kFloat64: return "float64";
      case ColumnType::kFloat32: return "float32";
      case ColumnType::kBool: return "bool";
      default: return "";
    }
  }

  Status WriteFile() {
    // The row record: index, then every column (and the validity of nullable ones).
    std::vector<Member> members;
    auto add = [&](const std::string& name, int field, bool valid, Handle type) {
      Member m;
      m.name = name;
      m.field = field;
      m.valid = valid;
      m.size = H5Tget_size(type.get());
      m.type = std::move(type);
      members.push_back(std::move(m));
    };
    add("index", -1, false, Handle(H5Tcopy(H5T_STD_I64LE)));
    for (size_t i = 0; i < fields_.size(); ++i) {
      const Field& f = fields_[i];
      Handle t;
      switch (f.type) {
        case ColumnType::kTimestamp:
        case ColumnType::kInt64: t = Handle(H5Tcopy(H5T_STD_I64LE)); break;
        case ColumnType::kInt32: t = Handle(H5Tcopy(H5T_STD_I32LE)); break;
        case ColumnType::kFloat64: t = Handle(H5Tcopy(H5T_IEEE_F64LE)); break;
        case ColumnType::kFloat32: t = Handle(H5Tcopy(H5T_IEEE_F32LE)); break;
        case ColumnType::kBool: t = Handle(H5Tcopy(H5T_STD_U8LE)); break;
        case ColumnType::kSymbol:
        case ColumnType::kString:
          t = Handle(H5Tcopy(H5T_C_S1));
          H5Tset_size(t.get(), widths_[i]);
          H5Tset_strpad(t.get(), H5T_STR_NULLPAD);
          break;
      }
      add(f.name, static_cast<int>(i), false, std::move(t));
      if (f.nullable) add(f.name + ".valid", static_cast<int>(i), true, Handle(H5Tcopy(H5T_STD_U8LE)));
    }
    size_t row_size = 0;
    for (Member& m : members) {
      m.offset = row_size;
      row_size += m.size;
    }
    Handle rtype(H5Tcreate(H5T_COMPOUND, row_size));
    for (const Member& m : members) {
      if (H5Tinsert(rtype.get(), m.name.c_str(), m.offset, m.type.get()) < 0) return Fail("cannot build the row type");
    }

    Handle file(H5Fcreate(path_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
    if (!file.ok()) return Fail("cannot create HDF5 file " + path_);
    {
      Handle root(H5Gopen2(file.get(), "/", H5P_DEFAULT));
      RETURN_IF_ERROR(WriteFixedStringAttribute(root.get(), "CLASS", "GROUP"));
      RETURN_IF_ERROR(WriteFixedStringAttribute(root.get(), "PYTABLES_FORMAT_VERSION", "2.1"));
      RETURN_IF_ERROR(WriteFixedStringAttribute(root.get(), "TITLE", ""));
      RETURN_IF_ERROR(WriteFixedStringAttribute(root.get(), "VERSION", "1.0"));
    }
    // Intermediate groups one by one: PyTables wants its attributes on every group of the path.
    Handle group;
    {
      std::string at;
      size_t pos = 1;
      while (pos <= group_name_.size()) {
        size_t slash = group_name_.find('/', pos);
        if (slash == std::string::npos) slash = group_name_.size();
        if (slash > pos) {
          at += "/" + group_name_.substr(pos, slash - pos);
          group = Handle(H5Gcreate2(file.get(), at.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
          if (!group.ok()) return Fail("cannot create group " + at + " in " + path_);
          RETURN_IF_ERROR(WriteFixedStringAttribute(group.get(), "CLASS", "GROUP"));
          RETURN_IF_ERROR(WriteFixedStringAttribute(group.get(), "TITLE", ""));
          RETURN_IF_ERROR(WriteFixedStringAttribute(group.get(), "VERSION", "1.0"));
        }
        pos = slash + 1;
      }
    }
    if (!group.ok()) return Status::InvalidArgument("bad group name " + group_name_);
    RETURN_IF_ERROR(WritePandasAttributes(group.get(), members));
    RETURN_IF_ERROR(WriteStringAttribute(group.get(), "strata_schema", FieldsToString(fields_)));
    RETURN_IF_ERROR(WriteStringAttribute(group.get(), "strata_table", table_));

    // The dataset: chunks of about 256 KiB of rows.
    const hsize_t chunk_rows = std::clamp<hsize_t>((256 << 10) / row_size, 64, kChunkRows);
    hsize_t dims[1] = {0}, maxdims[1] = {H5S_UNLIMITED}, chunk[1] = {chunk_rows};
    Handle space(H5Screate_simple(1, dims, maxdims));
    Handle dcpl(H5Pcreate(H5P_DATASET_CREATE));
    H5Pset_chunk(dcpl.get(), 1, chunk);
    H5Pset_shuffle(dcpl.get());
    H5Pset_deflate(dcpl.get(), 4);
    Handle ds(H5Dcreate2(group.get(), "table", rtype.get(), space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT));
    if (!ds.ok()) return Fail("cannot create dataset " + group_name_ + "/table in " + path_);
    RETURN_IF_ERROR(WriteTableAttributes(ds.get(), members));

    // The spooled batches, as rows.
    ASSIGN_OR_RETURN(auto in, DefaultFileSystem()->NewRandomAccessFile(spool_path_));
    ASSIGN_OR_RETURN(uint64_t spool_size, in->Size());
    uint64_t at = 0, written = 0;
    std::string bytes, rows;
    while (at < spool_size) {
      uint64_t len = 0;
      ASSIGN_OR_RETURN(size_t got, in->Read(at, sizeof(len), reinterpret_cast<char*>(&len)));
      if (got != sizeof(len) || len > spool_size - at - sizeof(len))
        return Status::Corruption("bad spool " + spool_path_);
      bytes.resize(len);
      ASSIGN_OR_RETURN(got, in->Read(at + sizeof(len), len, bytes.data()));
      if (got != len) return Status::Corruption("short spool " + spool_path_);
      at += sizeof(len) + len;
      ASSIGN_OR_RETURN(RecordBatch batch, DecodeBatch(bytes, fields_));
      const size_t n = batch.num_rows();
      rows.assign(n * row_size, '\0');
      for (const Member& m : members) FillMember(m, batch, written, row_size, rows.data());
      RETURN_IF_ERROR(AppendRows(ds.get(), rtype.get(), rows.data(), written, n, group_name_ + "/table in " + path_));
      written += n;
    }
    const int64_t nrows = static_cast<int64_t>(written);
    RETURN_IF_ERROR(WriteScalarAttribute(ds.get(), "NROWS", H5T_STD_I64LE, &nrows));
    ds.Reset();
    group.Reset();
    if (H5Fflush(file.get(), H5F_SCOPE_GLOBAL) < 0) return Fail("cannot flush " + path_);
    if (file.Reset() < 0) return Fail("cannot close " + path_);
    return Status::OK();
  }

  void FillMember(const Member& m, const RecordBatch& batch, uint64_t first_row, size_t row_size, char* rows) const {
    const size_t n = batch.num_rows();
    char* p = rows + m.offset;
    if (m.field < 0) {
      for (size_t r = 0; r < n; ++r, p += row_size) {
        const int64_t v = static_cast<int64_t>(first_row + r);
        std::memcpy(p, &v, 8);
      }
      return;
    }
    const Field& f = fields_[static_cast<size_t>(m.field)];
    const Column& col = batch.column(static_cast<size_t>(m.field));
    const std::vector<uint8_t>& validity = col.validity();
    auto is_null = [&](size_t r) { return !validity.empty() && validity[r] == 0; };
    if (m.valid) {
      for (size_t r = 0; r < n; ++r, p += row_size) *p = is_null(r) ? 0 : 1;
      return;
    }
    switch (f.type) {
      case ColumnType::kTimestamp:
      case ColumnType::kInt64:
        for (size_t r = 0; r < n; ++r, p += row_size) std::memcpy(p, &col.int64s()[r], 8);
        break;
      case ColumnType::kInt32:
        for (size_t r = 0; r < n; ++r, p += row_size) std::memcpy(p, &col.int32s()[r], 4);
        break;
      case ColumnType::kFloat64:
        for (size_t r = 0; r < n; ++r, p += row_size) {
          const double v = is_null(r) ? std::nan("") : col.doubles()[r];
          std::memcpy(p, &v, 8);
        }
        break;
      case ColumnType::kFloat32:
        for (size_t r = 0; r < n; ++r, p += row_size) {
          const float v = is_null(r) ? std::nanf("") : static_cast<float>(col.doubles()[r]);
          std::memcpy(p, &v, 4);
        }
        break;
      case ColumnType::kBool:
        for (size_t r = 0; r < n; ++r, p += row_size) *p = col.bools()[r] != 0 ? 1 : 0;
        break;
      case ColumnType::kSymbol:
      case ColumnType::kString:
        for (size_t r = 0; r < n; ++r, p += row_size) {
          const std::string_view s = is_null(r) ? std::string_view(kNanRep) : col.GetString(r);
          std::memcpy(p, s.data(), std::min(s.size(), m.size));
        }
        break;
    }
  }

  Status WritePandasAttributes(hid_t group, const std::vector<Member>& members) {
    std::vector<std::string> names;
    for (size_t i = 1; i < members.size(); ++i) names.push_back(members[i].name);
    std::string axes = "(l(I1\n" + PickleList(names) + "ta.";
    std::string info = "(dI1\n(dVnames\n(lNasVtype\nVIndex\nssVindex\n(ds";
    for (const std::string& n : names) info += PickleString(n) + "(ds";
    info += ".";
    const std::string list = PickleList(names) + ".";
    RETURN_IF_ERROR(WriteFixedStringAttribute(group, "data_columns", list, Text::kPickle));
    RETURN_IF_ERROR(WriteFixedStringAttribute(group, "encoding", "UTF-8"));
    RETURN_IF_ERROR(WriteFixedStringAttribute(group, "errors", "strict"));
    RETURN_IF_ERROR(WriteFixedStringAttribute(group, "index_cols", "(l(I0\nVindex\nta.", Text::kPickle));
    RETURN_IF_ERROR(WriteFixedStringAttribute(group, "info", info, Text::kPickle));
    const int64_t levels = 1;
    RETURN_IF_ERROR(WriteScalarAttribute(group, "levels", H5T_STD_I64LE, &levels));
    RETURN_IF_ERROR(WriteFixedStringAttribute(group, "nan_rep", kNanRep));
    RETURN_IF_ERROR(WriteFixedStringAttribute(group, "non_index_axes", axes, Text::kPickle));
    RETURN_IF_ERROR(WriteFixedStringAttribute(group, "pandas_type", "frame_table"));
    RETURN_IF_ERROR(WriteFixedStringAttribute(group, "pandas_version", "0.15.2"));
    RETURN_IF_ERROR(WriteFixedStringAttribute(group, "table_type", "appendable_frame"));
    RETURN_IF_ERROR(WriteFixedStringAttribute(group, "values_cols", list, Text::kPickle));
    return Status::OK();
  }

  Status WriteTableAttributes(hid_t ds, const std::vector<Member>& members) {
    RETURN_IF_ERROR(WriteFixedStringAttribute(ds, "CLASS", "TABLE"));
    RETURN_IF_ERROR(WriteFixedStringAttribute(ds, "TITLE", ""));
    RETURN_IF_ERROR(WriteFixedStringAttribute(ds, "VERSION", "2.7"));
    RETURN_IF_ERROR(WriteFixedStringAttribute(ds, "index_kind", "integer"));
    for (size_t i = 0; i < members.size(); ++i) {
      const Member& m = members[i];
      const std::string field = "FIELD_" + std::to_string(i) + "_";
      RETURN_IF_ERROR(WriteFixedStringAttribute(ds, (field + "NAME").c_str(), m.name));
      if (i == 0) continue;
      const ColumnType t = m.valid ? ColumnType::kBool : fields_[static_cast<size_t>(m.field)].type;
      std::string dtype = IsString(t) ? "bytes" + std::to_string(8 * m.size) : PandasDtype(t);
      RETURN_IF_ERROR(WriteFixedStringAttribute(ds, (m.name + "_dtype").c_str(), dtype));
      RETURN_IF_ERROR(
          WriteFixedStringAttribute(ds, (m.name + "_kind").c_str(), PickleList({m.name}) + ".", Text::kPickle));
      RETURN_IF_ERROR(WriteFixedStringAttribute(ds, (m.name + "_meta").c_str(), "N.", Text::kPickle));
    }
    return Status::OK();
  }

  static constexpr const char* kNanRep = "nan";

  std::string path_, group_name_, table_, spool_path_;
  std::vector<Field> fields_;
  std::vector<size_t> widths_;
  std::unique_ptr<WritableFile> spool_;
  std::string encoded_;
  uint64_t rows_ = 0;
  bool closed_ = false;
};

// ---------------------------------------------------------------------------------------------
// Reader

// How one table column is filled.
struct Source {
  Field field;
  Handle ds;          // the dataset holding it (shared by every column of a compound dataset)
  Handle ftype;       // its file type (the member's, for a compound dataset)
  Handle mtype;       // the memory type read into (wrapped in a one-member compound if needed)
  Handle valid_ds;    // group layout: <name>.valid, if present
  Handle valid_type;  // its memory type
  bool missing = false;
  bool string = false;
  bool vlen = false;
  size_t elem = 0;           // bytes per element in memory
  int64_t ts_scale = 1;      // timestamp: ns per stored integer
  bool bool_enum = false;    // bool from an enum
  std::string name_in_file;  // for messages
  // Compound datasets: the member read, and which element of an array member is the column.
  std::string member_name;
  hsize_t array_len = 0, array_index = 0;
  size_t row_bytes = 0;        // bytes per row read (elem, or elem x array_len)
  int64_t ts_scale_fixed = 0;  // timestamp: the member's unit is known (pandas datetime64: ns)
  bool valid_member = false;   // valid_type reads the member <name>.valid of the compound
};

class ReaderImpl final : public TableReader {
 public:
  Status Init(const std::string& path, const std::string& object, const Schema& schema, const ReadOptions& options) {
    path_ = path;
    options_ = options;
    schema_ = schema;
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return Status::NotFound("no such file: " + path);
    htri_t is = H5Fis_hdf5(path.c_str());
    if (is <= 0) {
      H5Eclear2(H5E_DEFAULT);
      return Status::InvalidArgument(path + " is not an HDF5 file (no HDF5 signature)");
    }
    file_ = Handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    if (!file_.ok()) return Fail("cannot open HDF5 file " + path);
    where_ = path + " " + object;
    if (object != "/" && H5LTpath_valid(object) <= 0) {
      return Status::NotFound("no group or dataset " + object + " in " + path);
    }
    Handle obj(H5Oopen(file_.get(), object.c_str(), H5P_DEFAULT));
    if (!obj.ok()) return Fail("cannot open " + object + " in " + path);
    H5I_type_t kind = H5Iget_type(obj.get());
    if (kind == H5I_GROUP && ReadStringAttribute(obj.get(), "pandas_type")) {
      RETURN_IF_ERROR(InitPandas(obj.get()));
    } else if (kind == H5I_GROUP) {
      RETURN_IF_ERROR(InitGroup(obj.get()));
    } else if (kind == H5I_DATASET) {
      // Reopened with a chunk cache that holds a batch: each column reads its member from the same
      // chunks, which are then decompressed once per batch, not once per column.
      Handle dapl = CompoundCache();
      Handle ds(H5Dopen2(file_.get(), object.c_str(), dapl.get()));
      if (!ds.ok()) return Fail("cannot open " + object + " in " + path);
      obj.Reset();
      RETURN_IF_ERROR(InitCompound(std::move(ds)));
    } else {
      return Status::InvalidArgument(where_ + " is neither a group nor a dataset");
    }
    return Status::OK();
  }

  Result<bool> Next(RecordBatch* batch) override {
    if (done_ >= total_) return false;
    const size_t n = static_cast<size_t>(std::min<uint64_t>(options_.batch_rows, total_ - done_));
    *batch = RecordBatch(schema_);
    for (size_t i = 0; i < sources_.size(); ++i) {
      RETURN_IF_ERROR(ReadColumn(sources_[i], n, &batch->column(i)));
    }
    done_ += n;
    return true;
  }

  uint64_t total_rows() const override { return total_; }
  uint64_t rows_read() const override { return done_; }

 private:
  // A path that exists in the file (every intermediate link too).
  htri_t H5LTpath_valid(const std::string& object) {
    std::string prefix;
    size_t at = object[0] == '/' ? 1 : 0;
    if (at) prefix = "/";
    while (at <= object.size()) {
      size_t slash = object.find('/', at);
      if (slash == std::string::npos) slash = object.size();
      if (slash > at) {
        prefix += (prefix.empty() || prefix == "/" ? "" : "/") + object.substr(at, slash - at);
        htri_t e = H5Lexists(file_.get(), prefix.c_str(), H5P_DEFAULT);
        if (e <= 0) {
          H5Eclear2(H5E_DEFAULT);
          return 0;
        }
      }
      at = slash + 1;
    }
    return 1;
  }

  Status Column1D(hid_t ds, const std::string& name, hsize_t* rows) {
    Handle space(H5Dget_space(ds));
    if (H5Sget_simple_extent_ndims(space.get()) != 1) {
      return Status::InvalidArgument(where_ + ": dataset " + name + " is not one-dimensional");
    }
    H5Sget_simple_extent_dims(space.get(), rows, nullptr);
    return Status::OK();
  }

  Status InitGroup(hid_t group) {
    // Every dataset of the group: a column, a column's .valid, or an extra.
    std::vector<std::string> names;
    H5G_info_t ginfo;
    if (H5Gget_info(group, &ginfo) < 0) return Fail("cannot list " + where_);
    for (hsize_t i = 0; i < ginfo.nlinks; ++i) {
      ssize_t len = H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
      if (len < 0) return Fail("cannot list " + where_);
      std::string name(static_cast<size_t>(len) + 1, '\0');
      H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), name.size(), H5P_DEFAULT);
      name.resize(static_cast<size_t>(len));
      names.push_back(std::move(name));
    }
    std::optional<hsize_t> rows;
    std::string rows_from;
    for (const Field& f : schema_.fields()) {
      Source s;
      s.field = f;
      s.name_in_file = f.name;
      if (H5Lexists(group, f.name.c_str(), H5P_DEFAULT) <= 0) {
        if (!f.nullable) {
          return Status::InvalidArgument(where_ + " has no dataset " + f.name + " for the table's column " + f.name +
                                         ", which is not nullable");
        }
        s.missing = true;
        sources_.push_back(std::move(s));
        continue;
      }
      s.ds = Handle(H5Dopen2(group, f.name.c_str(), H5P_DEFAULT));
      if (!s.ds.ok()) return Fail(where_ + ": " + f.name + " is not a dataset");
      hsize_t n = 0;
      RETURN_IF_ERROR(Column1D(s.ds.get(), f.name, &n));
      if (rows && *rows != n) {
        return Status::InvalidArgument(where_ + ": dataset " + f.name + " has " + std::to_string(n) + " rows, " +
                                       rows_from + " has " + std::to_string(*rows));
      }
      rows = n;
      rows_from = f.name;
      s.ftype = Handle(H5Dget_type(s.ds.get()));
      RETURN_IF_ERROR(ChooseMemoryType(&s, false));
      std::string vname = f.name + ".valid";
      if (H5Lexists(group, vname.c_str(), H5P_DEFAULT) > 0) {
        if (!f.nullable) {
          return Status::InvalidArgument(where_ + ": dataset " + vname + " marks nulls, but the table's column " +
                                         f.name + " is not nullable");
        }
        s.valid_ds = Handle(H5Dopen2(group, vname.c_str(), H5P_DEFAULT));
        hsize_t vn = 0;
        RETURN_IF_ERROR(Column1D(s.valid_ds.get(), vname, &vn));
        if (vn != n) {
          return Status::InvalidArgument(where_ + ": dataset " + vname + " has " + std::to_string(vn) + " rows, " +
                                         f.name + " has " + std::to_string(n));
        }
        Handle vt(H5Dget_type(s.valid_ds.get()));
        if (H5Tget_size(vt.get()) != 1 ||
            (H5Tget_class(vt.get()) != H5T_ENUM && H5Tget_class(vt.get()) != H5T_INTEGER)) {
          return Status::InvalidArgument(where_ + ": dataset " + vname + " is not bool");
        }
        s.valid_type = H5Tget_class(vt.get()) == H5T_ENUM ? Handle(H5Tget_native_type(vt.get(), H5T_DIR_ASCEND))
                                                          : Handle(H5Tcopy(H5T_NATIVE_UINT8));
      }
      sources_.push_back(std::move(s));
    }
    if (!rows) return Status::InvalidArgument(where_ + " has none of the table's columns");
    total_ = *rows;
    for (const std::string& name : names) {
      std::string base = name.size() > 6 && name.ends_with(".valid") ? name.substr(0, name.size() - 6) : name;
      if (schema_.FieldIndex(base) >= 0) continue;
      Handle obj(H5Oopen(group, name.c_str(), H5P_DEFAULT));
      if (!obj.ok() || H5Iget_type(obj.get()) != H5I_DATASET) {
        H5Eclear2(H5E_DEFAULT);
        continue;  // subgroups and other objects are not columns
      }
      if (!options_.ignore_extra_columns) {
        return Status::InvalidArgument(where_ + ": dataset " + name + " is not a column of the table (" +
                                       schema_.ToString() + "); --ignore-extra-columns skips it");
      }
    }
    return Status::OK();
  }

  // A column as a compound dataset holds it: a member, or element `index` of an array member.
  struct FileColumn {
    std::string name;
    std::string member;
    unsigned member_index = 0;
    hsize_t array_len = 0;  // 0: a scalar member
    hsize_t index = 0;
    bool used = false;
  };

  // Dataset access properties with a chunk cache of 64 MiB (the default 1 MiB holds a few chunks).
  Handle CompoundCache() {
    Handle dapl(H5Pcreate(H5P_DATASET_ACCESS));
    H5Pset_chunk_cache(dapl.get(), 12421, 64 << 20, 1.0);
    return dapl;
  }

  // A pandas table: its `table` dataset, read as a compound dataset with pandas' naming.
  Status InitPandas(hid_t group) {
    if (H5Lexists(group, "table", H5P_DEFAULT) <= 0) {
      H5Eclear2(H5E_DEFAULT);
      return Status::InvalidArgument(where_ + " is a pandas group (pandas_type " +
                                     ReadStringAttribute(group, "pandas_type").value_or("") +
                                     ") without a table dataset: only format=\"table\" is read (pandas' default "
                                     "\"fixed\" format pickles strings; write with df.to_hdf(..., format=\"table\"))");
    }
    Handle dapl = CompoundCache();
    Handle ds(H5Dopen2(group, "table", dapl.get()));
    if (!ds.ok()) return Fail(where_ + ": cannot open its table dataset");
    where_ += "/table";
    if (auto nan_rep = ReadStringAttribute(group, "nan_rep")) nan_rep_ = *nan_rep;
    return InitCompound(std::move(ds), true);
  }

  Status InitCompound(Handle ds, bool pandas = false) {
    Handle ftype(H5Dget_type(ds.get()));
    if (H5Tget_class(ftype.get()) != H5T_COMPOUND) {
      return Status::InvalidArgument(where_ +
                                     " is a dataset but not of a compound type (one row per element); name the "
                                     "group holding one dataset per column, or a compound dataset");
    }
    hsize_t n = 0;
    RETURN_IF_ERROR(Column1D(ds.get(), "(the compound dataset)", &n));
    total_ = n;
    pandas_ = pandas;
    // The columns the members hold.
    std::vector<FileColumn> cols;
    std::optional<FileColumn> datetime_index;
    const int members = H5Tget_nmembers(ftype.get());
    for (int i = 0; i < members; ++i) {
      char* cname = H5Tget_member_name(ftype.get(), static_cast<unsigned>(i));
      std::string m = cname ? cname : "";
      H5free_memory(cname);
      FileColumn c;
      c.name = c.member = m;
      c.member_index = static_cast<unsigned>(i);
      Handle mt(H5Tget_member_type(ftype.get(), static_cast<unsigned>(i)));
      if (H5Tget_class(mt.get()) == H5T_ARRAY) {
        hsize_t dims[H5S_MAX_RANK];
        if (H5Tget_array_ndims(mt.get()) != 1 || H5Tget_array_dims2(mt.get(), dims) != 1) {
          return Status::InvalidArgument(where_ + ": member " + m + " is a multi-dimensional array");
        }
        c.array_len = dims[0];
      }
      if (pandas && m == "index") {
        // pandas' index: the row number (skipped) or a DatetimeIndex (a timestamp column).
        if (ReadStringAttribute(ds.get(), "index_kind").value_or("") == "datetime64") datetime_index = c;
        continue;
      }
      std::vector<std::string> names;
      if (pandas) {
        if (auto kind = ReadStringAttribute(ds.get(), (m + "_kind").c_str())) names = UnpickleStrings(*kind);
      }
      const size_t want = c.array_len == 0 ? 1 : c.array_len;
      if (names.size() == want) {
        for (size_t j = 0; j < want; ++j) {
          FileColumn e = c;
          e.name = names[j];
          e.index = j;
          cols.push_back(std::move(e));
        }
      } else if (c.array_len <= 1) {
        cols.push_back(std::move(c));
      } else {
        return Status::InvalidArgument(where_ + ": member " + m + " is an array of " + std::to_string(c.array_len) +
                                       " values without a name for each (a pandas " + m + "_kind attribute)");
      }
    }
    auto find = [&](const std::string& name) -> FileColumn* {
      for (FileColumn& c : cols) {
        if (c.name == name) return &c;
      }
      return nullptr;
    };
    for (const Field& f : schema_.fields()) {
      Source s;
      s.field = f;
      FileColumn* c = find(f.name);
      if (c == nullptr && f.type == ColumnType::kTimestamp && datetime_index) c = &*datetime_index;
      if (c == nullptr) {
        if (!f.nullable) {
          return Status::InvalidArgument(where_ + " has no member " + f.name + " for the table's column " + f.name +
                                         ", which is not nullable");
        }
        s.missing = true;
        sources_.push_back(std::move(s));
        continue;
      }
      c->used = true;
      s.name_in_file = "member " + c->member + (c->name != c->member ? " (" + c->name + ")" : "");
      s.member_name = c->member;
      s.array_len = c->array_len;
      s.array_index = c->index;
      Handle mt(H5Tget_member_type(ftype.get(), c->member_index));
      s.ftype = c->array_len > 0 ? Handle(H5Tget_super(mt.get())) : std::move(mt);
      if (pandas && f.type == ColumnType::kTimestamp) s.ts_scale_fixed = 1;  // datetime64[ns]
      RETURN_IF_ERROR(ChooseMemoryType(&s, true));
      if (s.vlen && s.array_len > 1) {
        return Status::InvalidArgument(where_ + ": " + s.name_in_file + " is an array of variable-length strings");
      }
      if (FileColumn* v = find(f.name + ".valid")) {
        v->used = true;
        if (!f.nullable) {
          return Status::InvalidArgument(where_ + ": member " + v->member + " marks nulls, but the table's column " +
                                         f.name + " is not nullable");
        }
        Handle vt(H5Tget_member_type(ftype.get(), v->member_index));
        if (v->array_len > 0 || H5Tget_size(vt.get()) != 1 ||
            (H5Tget_class(vt.get()) != H5T_ENUM && H5Tget_class(vt.get()) != H5T_INTEGER)) {
          return Status::InvalidArgument(where_ + ": member " + v->member + " is not bool");
        }
        Handle elem = H5Tget_class(vt.get()) == H5T_ENUM ? Handle(H5Tget_native_type(vt.get(), H5T_DIR_ASCEND))
                                                         : Handle(H5Tcopy(H5T_NATIVE_UINT8));
        s.valid_type = Handle(H5Tcreate(H5T_COMPOUND, 1));
        if (H5Tinsert(s.valid_type.get(), v->member.c_str(), 0, elem.get()) < 0) {
          return Fail(where_ + ": member " + v->member);
        }
        s.valid_member = true;
      }
      sources_.push_back(std::move(s));
    }
    for (const FileColumn& c : cols) {
      if (!c.used && !options_.ignore_extra_columns) {
        return Status::InvalidArgument(
            where_ + ": member " + c.member + (c.name != c.member ? " (column " + c.name + ")" : "") +
            " is not a column of the table (" + schema_.ToString() + "); --ignore-extra-columns skips it");
      }
    }
    compound_ = std::move(ds);
    return Status::OK();
  }

  // Picks the memory type for s->ftype, refusing conversions that would lose information.
  Status ChooseMemoryType(Source* s, bool member) {
    const Field& f = s->field;
    const hid_t ft = s->ftype.get();
    const H5T_class_t cls = H5Tget_class(ft);
    const size_t size = H5Tget_size(ft);
    const bool is_signed = cls == H5T_INTEGER && H5Tget_sign(ft) == H5T_SGN_2;
    // Bytes of an integer's value range that fit losslessly in a signed target of `bytes`.
    auto int_fits = [&](size_t bytes) { return cls == H5T_INTEGER && (is_signed ? size <= bytes : size < bytes); };
    auto refuse = [&](const std::string& why) {
      return Status::InvalidArgument(where_ + ": " + s->name_in_file + " (" + TypeText(ft) +
                                     ") cannot fill the table's " + FieldTypeName(f) + " column " + f.name +
                                     (why.empty() ? "" : " " + why));
    };
    hid_t mt = -1;
    switch (f.type) {
      case ColumnType::kTimestamp: {
        if (!int_fits(8)) return refuse("(timestamps are integers: ns since 1970-01-01 UTC, or the unit attribute's)");
        s->ts_scale = s->ts_scale_fixed != 0 ? s->ts_scale_fixed : options_.ts_unit_ns;
        if (!member && s->ds.ok()) {
          if (auto unit = ReadStringAttribute(s->ds.get(), "unit")) {
            if (*unit == "ns")
              s->ts_scale = 1;
            else if (*unit == "us")
              s->ts_scale = 1000;
            else if (*unit == "ms")
              s->ts_scale = 1000000;
            else if (*unit == "s")
              s->ts_scale = 1000000000;
            else
              return refuse("(its unit attribute \"" + *unit + "\" is not s, ms, us or ns)");
          }
        }
        mt = H5T_NATIVE_INT64;
        s->elem = 8;
        break;
      }
      case ColumnType::kInt64:
        if (!int_fits(8)) return refuse("");
        mt = H5T_NATIVE_INT64;
        s->elem = 8;
        break;
      case ColumnType::kInt32:
        if (!int_fits(4)) return refuse("");
        mt = H5T_NATIVE_INT32;
        s->elem = 4;
        break;
      case ColumnType::kFloat64:
        if (!(cls == H5T_FLOAT && size <= 8) && !int_fits(4)) return refuse("without losing digits");
        mt = H5T_NATIVE_DOUBLE;
        s->elem = 8;
        break;
      case ColumnType::kFloat32:
        if (!(cls == H5T_FLOAT && size <= 4) && !int_fits(2)) return refuse("without losing digits");
        mt = H5T_NATIVE_FLOAT;
        s->elem = 4;
        break;
      case ColumnType::kBool:
        // h5py's bool is an enum, PyTables' (pandas') an 8-bit bitfield.
        if (size != 1 || (cls != H5T_INTEGER && cls != H5T_ENUM && cls != H5T_BITFIELD)) {
          return refuse("(bool: h5py or PyTables bool, or 1-byte 0/1)");
        }
        s->bool_enum = cls == H5T_ENUM;
        s->elem = 1;
        break;
      case ColumnType::kSymbol:
      case ColumnType::kString:
        if (cls != H5T_STRING) return refuse("(strings only)");
        s->string = true;
        s->vlen = H5Tis_variable_str(ft) > 0;
        s->elem = s->vlen ? sizeof(char*) : size;
        break;
    }
    Handle elem;
    if (s->bool_enum) {
      elem = Handle(H5Tget_native_type(ft, H5T_DIR_ASCEND));
    } else if (f.type == ColumnType::kBool) {
      elem = Handle(H5Tcopy(cls == H5T_BITFIELD ? H5T_NATIVE_B8 : H5T_NATIVE_UINT8));
    } else if (s->string) {
      elem = s->vlen ? StringType(H5Tget_cset(ft)) : Handle(H5Tcopy(ft));
    } else {
      elem = Handle(H5Tcopy(mt));
    }
    s->row_bytes = s->elem;
    if (!member) {
      s->mtype = std::move(elem);
    } else {
      if (s->array_len > 0) {
        // The whole array is read; ReadColumn keeps element array_index of each row.
        hsize_t dims[1] = {s->array_len};
        elem = Handle(H5Tarray_create2(elem.get(), 1, dims));
        s->row_bytes = s->elem * s->array_len;
      }
      s->mtype = Handle(H5Tcreate(H5T_COMPOUND, s->row_bytes));
      if (H5Tinsert(s->mtype.get(), s->member_name.c_str(), 0, elem.get()) < 0) {
        return Fail(where_ + ": member " + s->member_name);
      }
    }
    return Status::OK();
  }

  static std::string TypeText(hid_t t) {
    const size_t size = H5Tget_size(t);
    switch (H5Tget_class(t)) {
      case H5T_INTEGER: return std::string(H5Tget_sign(t) == H5T_SGN_2 ? "int" : "uint") + std::to_string(size * 8);
      case H5T_FLOAT: return "float" + std::to_string(size * 8);
      case H5T_STRING: return "string";
      case H5T_ENUM: return "enum";
      case H5T_BITFIELD: return "bitfield" + std::to_string(size * 8);
      case H5T_COMPOUND: return "compound";
      case H5T_ARRAY: return "array";
      default: return "unsupported type";
    }
  }

  Status ReadInto(const Source& s, hid_t ds, hid_t mtype, size_t n, void* buf, const std::string& what) {
    hsize_t start[1] = {done_}, count[1] = {n};
    Handle fspace(H5Dget_space(ds));
    H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, start, nullptr, count, nullptr);
    Handle mspace(H5Screate_simple(1, count, nullptr));
    if (H5Dread(ds, mtype, mspace.get(), fspace.get(), H5P_DEFAULT, buf) < 0) {
      return Fail(where_ + ": cannot read " + what + " rows " + std::to_string(done_ + 1) + " to " +
                  std::to_string(done_ + n));
    }
    (void)s;
    return Status::OK();
  }

  Status ReadColumn(const Source& s, size_t n, Column* col) {
    const Field& f = s.field;
    if (s.missing) {
      for (size_t r = 0; r < n; ++r) col->AppendNull();
      return Status::OK();
    }
    const hid_t ds = compound_.ok() ? compound_.get() : s.ds.get();
    auto row_error = [&](size_t r, const std::string& why) {
      return Status::InvalidArgument(where_ + ", " + s.name_in_file + ", row " + std::to_string(done_ + r + 1) + ": " +
                                     why);
    };
    buf_.resize(n * s.row_bytes);
    RETURN_IF_ERROR(ReadInto(s, ds, s.mtype.get(), n, buf_.data(), s.name_in_file));
    if (s.array_len > 1) {  // keep element array_index of each row's array
      for (size_t r = 0; r < n; ++r) {
        std::memmove(buf_.data() + r * s.elem, buf_.data() + r * s.row_bytes + s.array_index * s.elem, s.elem);
      }
    }
    // pandas marks missing values with NaN (floats) and nan_rep (strings); strata's own export also
    // writes <col>.valid, which then decides.
    const bool pandas_nulls = pandas_ && f.nullable && !s.valid_member && !s.valid_ds.ok();
    auto set_null = [&](size_t r) {
      if (col->validity().empty()) col->validity().assign(n, 1);
      col->validity()[r] = 0;
    };
    switch (f.type) {
      case ColumnType::kTimestamp:
      case ColumnType::kInt64: {
        std::vector<int64_t>& v = col->int64s();
        v.resize(n);
        std::memcpy(v.data(), buf_.data(), n * 8);
        if (f.type == ColumnType::kTimestamp) {
          for (size_t r = 0; r < n; ++r) {
            int64_t ns;
            if (__builtin_mul_overflow(v[r], s.ts_scale, &ns) || !InTimestampRange(ns)) {
              return row_error(r, std::to_string(v[r]) + " is outside the timestamp range (1678-01-01 to 2261-12-31)");
            }
            if (f.unit != TimeUnit::kNanos && TruncateToUnit(ns, f.unit) != ns) {
              if (!options_.truncate_timestamps) {
                return row_error(r, FormatTimestamp(ns) + " is finer than the column's " + FieldTypeName(f) +
                                        " (--truncate-timestamps rounds it down)");
              }
              ns = TruncateToUnit(ns, f.unit);
            }
            v[r] = ns;
          }
        }
        break;
      }
      case ColumnType::kInt32: {
        std::vector<int32_t>& v = col->int32s();
        v.resize(n);
        std::memcpy(v.data(), buf_.data(), n * 4);
        break;
      }
      case ColumnType::kFloat64:
      case ColumnType::kFloat32: {
        std::vector<double>& v = col->doubles();
        v.resize(n);
        if (f.type == ColumnType::kFloat64) {
          std::memcpy(v.data(), buf_.data(), n * 8);
        } else {
          const float* p = reinterpret_cast<const float*>(buf_.data());
          for (size_t r = 0; r < n; ++r) v[r] = p[r];
        }
        if (pandas_nulls) {
          for (size_t r = 0; r < n; ++r) {
            if (std::isnan(v[r])) {
              set_null(r);
              v[r] = 0;
            }
          }
        }
        break;
      }
      case ColumnType::kBool: {
        std::vector<uint8_t>& v = col->bools();
        v.assign(buf_.begin(), buf_.begin() + static_cast<ptrdiff_t>(n));
        for (size_t r = 0; r < n; ++r) {
          if (v[r] > 1) return row_error(r, std::to_string(v[r]) + " is not a bool (0 or 1)");
        }
        break;
      }
      case ColumnType::kSymbol:
      case ColumnType::kString: {
        col->offsets().assign(1, 0);
        col->chars().clear();
        if (s.vlen) {
          char** p = reinterpret_cast<char**>(buf_.data());
          for (size_t r = 0; r < n; ++r) {
            col->chars().append(p[r] ? p[r] : "");
            col->offsets().push_back(static_cast<uint32_t>(col->chars().size()));
          }
          hsize_t count[1] = {n};
          Handle mspace(H5Screate_simple(1, count, nullptr));
          H5Dvlen_reclaim(s.mtype.get(), mspace.get(), H5P_DEFAULT, buf_.data());
        } else {
          const bool space_pad = H5Tget_strpad(s.ftype.get()) == H5T_STR_SPACEPAD;
          for (size_t r = 0; r < n; ++r) {
            std::string_view v(buf_.data() + r * s.elem, s.elem);
            v = v.substr(0, std::min(v.size(), v.find('\0')));
            if (space_pad) {
              while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
            }
            if (pandas_nulls && v == nan_rep_) {
              set_null(r);
              v = {};
            }
            col->chars().append(v);
            col->offsets().push_back(static_cast<uint32_t>(col->chars().size()));
          }
        }
        break;
      }
    }
    if (s.valid_ds.ok() || s.valid_member) {
      std::vector<uint8_t>& valid = col->validity();
      valid.resize(n);
      RETURN_IF_ERROR(ReadInto(s, s.valid_member ? compound_.get() : s.valid_ds.get(), s.valid_type.get(), n,
                               valid.data(), f.name + ".valid"));
      for (size_t r = 0; r < n; ++r) {
        if (valid[r] > 1) return row_error(r, f.name + ".valid holds " + std::to_string(valid[r]) + ", not a bool");
      }
      if (s.valid_member) ClearNullValues(col, n);  // the pandas layout's NaN and "nan" placeholders
    }
    if (IsFloating(f.type) && !options_.allow_nan) {
      const std::vector<double>& d = col->doubles();
      for (size_t r = 0; r < n; ++r) {
        if (!std::isfinite(d[r]) && (col->validity().empty() || col->validity()[r] != 0)) {
          return row_error(r, std::to_string(d[r]) + " is not a finite number (--allow-nan stores it)");
        }
      }
    }
    RETURN_IF_ERROR(col->SetSizeFromStorage());
    return Status::OK();
  }

  // Null rows hold 0 / "" (as every other source of rows leaves them).
  static void ClearNullValues(Column* col, size_t n) {
    const std::vector<uint8_t>& valid = col->validity();
    if (col->type() == ColumnType::kFloat64 || col->type() == ColumnType::kFloat32) {
      for (size_t r = 0; r < n; ++r) {
        if (valid[r] == 0) col->doubles()[r] = 0;
      }
    } else if (col->type() == ColumnType::kSymbol || col->type() == ColumnType::kString) {
      std::string chars;
      std::vector<uint32_t> offsets(1, 0);
      for (size_t r = 0; r < n; ++r) {
        if (valid[r] != 0) chars.append(col->GetString(r));
        offsets.push_back(static_cast<uint32_t>(chars.size()));
      }
      col->chars() = std::move(chars);
      col->offsets() = std::move(offsets);
    }
  }

  std::string path_, where_;
  ReadOptions options_;
  Schema schema_;
  Handle file_, compound_;
  bool pandas_ = false;  // a pandas table: NaN and nan_rep are NULL in nullable columns
  std::string nan_rep_ = "nan";
  std::vector<Source> sources_;
  uint64_t total_ = 0, done_ = 0;
  std::string buf_;
};

}  // namespace

Result<std::unique_ptr<TableWriter>> TableWriter::Create(const std::string& path, const std::string& group,
                                                         const std::vector<Field>& fields, const std::string& table,
                                                         Layout layout) {
  QuietLibrary();
  if (layout == Layout::kPandasTable) {
    auto w = std::make_unique<PandasWriterImpl>();
    RETURN_IF_ERROR(w->Init(path, group, fields, table));
    return std::unique_ptr<TableWriter>(std::move(w));
  }
  auto w = std::make_unique<WriterImpl>();
  RETURN_IF_ERROR(w->Init(path, group, fields, table));
  return std::unique_ptr<TableWriter>(std::move(w));
}

Result<std::unique_ptr<TableReader>> TableReader::Open(const std::string& path, const std::string& object,
                                                       const Schema& schema, const ReadOptions& options) {
  QuietLibrary();
  auto r = std::make_unique<ReaderImpl>();
  RETURN_IF_ERROR(r->Init(path, object, schema, options));
  return std::unique_ptr<TableReader>(std::move(r));
}

}  // namespace strata::hdf5
