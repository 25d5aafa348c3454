// Columns between the engine and NumPy: a scan's batches as arrays (views where the layout
// allows), and Python columns (NumPy arrays, object arrays of str, categoricals) as a RecordBatch.
#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "common.h"

namespace strata::python {
namespace {

template <typename T>
void AppendVector(std::vector<T>* dst, const std::vector<T>& src) {
  dst->insert(dst->end(), src.begin(), src.end());
}

}  // namespace

void PrepareFreshBuffer(const void* data, size_t bytes) {
  constexpr uintptr_t kPage = 4096;
  constexpr uintptr_t kHuge = uintptr_t{2} << 20;
  if (data == nullptr || bytes < 2 * kHuge) return;
  const uintptr_t begin = reinterpret_cast<uintptr_t>(data);
  const uintptr_t end = begin + bytes;
  const uintptr_t huge_begin = (begin + kHuge - 1) & ~(kHuge - 1);
  const uintptr_t huge_end = end & ~(kHuge - 1);
  // Advice only: a kernel without THP or MADV_POPULATE_WRITE refuses it and the buffer faults
  // its pages in as it is written, as before.
  if (huge_begin < huge_end) madvise(reinterpret_cast<void*>(huge_begin), huge_end - huge_begin, MADV_HUGEPAGE);
#ifdef MADV_POPULATE_WRITE
  const uintptr_t page_begin = begin & ~(kPage - 1);
  const uintptr_t page_end = (end + kPage - 1) & ~(kPage - 1);
  madvise(reinterpret_cast<void*>(page_begin), page_end - page_begin, MADV_POPULATE_WRITE);
#endif
}

namespace {

template <typename T>
void ReserveFresh(std::vector<T>* v, size_t n) {
  v->reserve(n);
  PrepareFreshBuffer(v->data(), n * sizeof(T));
}

}  // namespace

namespace {

// Column c of `batches` as one column of `rows` values in fresh (advised) buffers.
Status ConcatenateColumn(const std::vector<RecordBatch>& batches, size_t c, ColumnType type, size_t rows, Column* out) {
  bool any_nulls = false;
  size_t chars = 0;
  for (const RecordBatch& b : batches) {
    any_nulls = any_nulls || !b.column(c).validity().empty();
    chars += b.column(c).chars().size();
  }
  switch (type) {
    case ColumnType::kTimestamp:
    case ColumnType::kInt64:
      ReserveFresh(&out->int64s(), rows);
      for (const RecordBatch& b : batches) AppendVector(&out->int64s(), b.column(c).int64s());
      break;
    case ColumnType::kInt32:
      ReserveFresh(&out->int32s(), rows);
      for (const RecordBatch& b : batches) AppendVector(&out->int32s(), b.column(c).int32s());
      break;
    case ColumnType::kFloat64:
    case ColumnType::kFloat32:  // held as doubles in memory
      ReserveFresh(&out->doubles(), rows);
      for (const RecordBatch& b : batches) AppendVector(&out->doubles(), b.column(c).doubles());
      break;
    case ColumnType::kBool:
      ReserveFresh(&out->bools(), rows);
      for (const RecordBatch& b : batches) AppendVector(&out->bools(), b.column(c).bools());
      break;
    case ColumnType::kSymbol:
    case ColumnType::kString: {
      if (chars > UINT32_MAX) return Status::Unsupported("a string column of more than 4 GiB in one result");
      ReserveFresh(&out->offsets(), rows + 1);
      out->chars().reserve(chars);
      PrepareFreshBuffer(out->chars().data(), chars);
      for (const RecordBatch& b : batches) {
        const Column& src = b.column(c);
        const uint32_t base = static_cast<uint32_t>(out->chars().size());
        out->chars().append(src.chars());
        for (size_t i = 1; i < src.offsets().size(); ++i) out->offsets().push_back(base + src.offsets()[i]);
      }
      break;
    }
  }
  if (any_nulls) {
    ReserveFresh(&out->validity(), rows);
    for (const RecordBatch& b : batches) {
      const Column& src = b.column(c);
      if (src.validity().empty()) {
        out->validity().insert(out->validity().end(), src.size(), 1);
      } else {
        AppendVector(&out->validity(), src.validity());
      }
    }
  }
  return out->SetSizeFromStorage();
}

// Results at least this large are concatenated on several threads, a column each (the copy into
// fresh memory is bound by the kernel's page clearing, which runs in parallel).
constexpr size_t kParallelConcatBytes = size_t{32} << 20;

}  // namespace

RecordBatch Concatenate(std::vector<RecordBatch> batches, const std::vector<Field>& fields) {
  if (batches.empty()) return RecordBatch(fields);
  if (batches.size() == 1) return std::move(batches[0]);
  size_t rows = 0;
  for (const RecordBatch& b : batches) rows += b.num_rows();
  std::vector<Column> columns;
  columns.reserve(fields.size());
  for (const Field& f : fields) columns.emplace_back(f.type);
  std::vector<Status> status(fields.size());
  const size_t threads = std::min<size_t>({fields.size(), std::max(1u, std::thread::hardware_concurrency()), 4});
  if (threads <= 1 || rows * 8 * fields.size() < kParallelConcatBytes) {
    for (size_t c = 0; c < fields.size(); ++c)
      status[c] = ConcatenateColumn(batches, c, fields[c].type, rows, &columns[c]);
  } else {
    std::atomic<size_t> next{0};
    auto work = [&] {
      for (size_t c; (c = next.fetch_add(1)) < fields.size();) {
        status[c] = ConcatenateColumn(batches, c, fields[c].type, rows, &columns[c]);
      }
    };
    std::vector<std::thread> pool;
    for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
    for (std::thread& t : pool) t.join();
  }
  for (const Status& st : status) Check(st);
  return RecordBatch(fields, std::move(columns));
}

namespace {

// A NumPy array of T, C-contiguous (a strided input is copied once by NumPy), of `rows` values.
template <typename T>
py::array_t<T, py::array::c_style> TypedArray(const py::handle& obj, const Field& field, size_t rows) {
  auto arr = py::array_t<T, py::array::c_style>::ensure(obj);
  if (!arr) {
    Check(Status::InvalidArgument("column '" + field.name + "': expected a NumPy array of " +
                                  std::string(ColumnTypeName(field.type)) + " values"));
  }
  if (arr.ndim() != 1 || static_cast<size_t>(arr.shape(0)) != rows) {
    Check(Status::InvalidArgument("column '" + field.name + "': expected " + std::to_string(rows) + " values"));
  }
  return arr;
}

// Rows [begin, begin + rows) of a column of `total` values.
template <typename T>
void CopyInto(std::vector<T>* dst, const py::handle& obj, const Field& field, size_t begin, size_t rows, size_t total) {
  auto arr = TypedArray<T>(obj, field, total);
  dst->resize(rows);
  if (rows > 0) std::memcpy(dst->data(), arr.data() + begin, rows * sizeof(T));
}

std::string_view Utf8Of(PyObject* item, const Field& field, size_t row) {
  if (!PyUnicode_Check(item)) {
    Check(Status::InvalidArgument("column '" + field.name + "' row " + std::to_string(row + 1) +
                                  ": expected str, got " + Py_TYPE(item)->tp_name));
  }
  Py_ssize_t size = 0;
  const char* data = PyUnicode_AsUTF8AndSize(item, &size);
  if (data == nullptr) throw py::error_already_set();
  return std::string_view(data, static_cast<size_t>(size));
}

// Rows of a categorical column: names[code], code -1 (any negative) a null.
template <typename Code>
void FillFromCodes(Column* col, std::vector<uint8_t>* validity, const std::vector<std::string_view>& names,
                   const Code* c, size_t rows) {
  for (size_t i = 0; i < rows; ++i) {
    if (c[i] < 0) {
      if (validity->empty()) validity->assign(i, 1);
      validity->push_back(0);
      col->AppendString("");
      continue;
    }
    if (!validity->empty()) validity->push_back(1);
    col->AppendString(names.at(static_cast<size_t>(c[i])));
  }
}

// A string-like column: a str (every row), a (categories, codes) pair (a pandas Categorical; code
// -1 is null), or a sequence of str / None.
void FillStrings(Column* col, std::vector<uint8_t>* validity, const py::handle& obj, const Field& field, size_t begin,
                 size_t rows, size_t total) {
  col->Reserve(rows);
  if (PyUnicode_Check(obj.ptr())) {
    const std::string_view value = Utf8Of(obj.ptr(), field, 0);
    col->chars().reserve(value.size() * rows);
    for (size_t i = 0; i < rows; ++i) col->AppendString(value);
    return;
  }
  if (py::isinstance<py::tuple>(obj)) {
    auto pair = obj.cast<py::tuple>();
    auto categories = pair[0].cast<py::sequence>();
    py::array codes = py::array::ensure(pair[1]);
    if (!codes || codes.ndim() != 1 || static_cast<size_t>(codes.shape(0)) != total) {
      Check(Status::InvalidArgument("column '" + field.name + "': bad categorical codes"));
    }
    std::vector<std::string_view> names;
    names.reserve(categories.size());
    for (size_t i = 0; i < categories.size(); ++i) {
      // The categories outlive this call (the tuple holds them), so their UTF-8 views do too.
      names.push_back(Utf8Of(categories[i].ptr(), field, i));
    }
    // pandas' own code width (int8 for up to 127 categories), read in place: converting the
    // whole column to int64 for every chunk would cost a pass over all its rows per chunk.
    const bool contiguous = (codes.flags() & py::array::c_style) != 0 && codes.dtype().kind() == 'i';
    switch (contiguous ? codes.itemsize() : 0) {
      case 1: FillFromCodes(col, validity, names, static_cast<const int8_t*>(codes.data()) + begin, rows); break;
      case 2: FillFromCodes(col, validity, names, static_cast<const int16_t*>(codes.data()) + begin, rows); break;
      case 4: FillFromCodes(col, validity, names, static_cast<const int32_t*>(codes.data()) + begin, rows); break;
      case 8: FillFromCodes(col, validity, names, static_cast<const int64_t*>(codes.data()) + begin, rows); break;
      default: {
        auto wide = py::array_t<int64_t, py::array::c_style | py::array::forcecast>::ensure(codes);
        if (!wide) Check(Status::InvalidArgument("column '" + field.name + "': bad categorical codes"));
        FillFromCodes(col, validity, names, wide.data() + begin, rows);
      }
    }
    return;
  }
  auto seq = py::reinterpret_borrow<py::sequence>(obj);
  if (seq.size() != total) {
    Check(Status::InvalidArgument("column '" + field.name + "': expected " + std::to_string(total) + " values"));
  }
  for (size_t i = 0; i < rows; ++i) {
    py::object item = seq[begin + i];
    if (item.is_none()) {
      if (validity->empty()) validity->assign(i, 1);
      validity->push_back(0);
      col->AppendString("");
      continue;
    }
    if (!validity->empty()) validity->push_back(1);
    col->AppendString(Utf8Of(item.ptr(), field, begin + i));
  }
}

// Values under a null are zero (what Column::AppendNull stores).
template <typename T>
void ZeroNulls(std::vector<T>* values, const std::vector<uint8_t>& validity) {
  for (size_t i = 0; i < validity.size(); ++i) {
    if (!validity[i]) (*values)[i] = T{};
  }
}

}  // namespace

RecordBatch BatchFromPython(const std::vector<Field>& fields, const py::list& columns, const py::list& masks,
                            size_t begin, size_t rows, size_t total) {
  if (columns.size() != fields.size() || masks.size() != fields.size()) {
    Check(Status::InvalidArgument("expected " + std::to_string(fields.size()) + " columns"));
  }
  std::vector<Column> out;
  out.reserve(fields.size());
  for (size_t c = 0; c < fields.size(); ++c) {
    const Field& field = fields[c];
    Column col(field.type);
    std::vector<uint8_t> validity;
    if (!masks[c].is_none()) {
      auto mask = TypedArray<bool>(masks[c], field, total);
      validity.resize(rows);
      for (size_t i = 0; i < rows; ++i) validity[i] = mask.data()[begin + i] ? 1 : 0;
      if (std::all_of(validity.begin(), validity.end(), [](uint8_t v) { return v == 1; })) validity.clear();
    }
    switch (field.type) {
      case ColumnType::kTimestamp:
      case ColumnType::kInt64:
        CopyInto(&col.int64s(), columns[c], field, begin, rows, total);
        ZeroNulls(&col.int64s(), validity);
        break;
      case ColumnType::kInt32:
        CopyInto(&col.int32s(), columns[c], field, begin, rows, total);
        ZeroNulls(&col.int32s(), validity);
        break;
      case ColumnType::kFloat64:
      case ColumnType::kFloat32:  // python/strata/_frame.py rounded the values to floats
        CopyInto(&col.doubles(), columns[c], field, begin, rows, total);
        ZeroNulls(&col.doubles(), validity);
        break;
      case ColumnType::kBool: {
        auto arr = TypedArray<bool>(columns[c], field, total);
        col.bools().resize(rows);
        for (size_t i = 0; i < rows; ++i) col.bools()[i] = arr.data()[begin + i] ? 1 : 0;
        ZeroNulls(&col.bools(), validity);
        break;
      }
      case ColumnType::kSymbol:
      case ColumnType::kString: {
        std::vector<uint8_t> string_validity;
        FillStrings(&col, &string_validity, columns[c], field, begin, rows, total);
        if (!string_validity.empty()) {
          if (validity.empty()) validity.assign(rows, 1);
          for (size_t i = 0; i < rows; ++i) validity[i] &= string_validity[i];
        }
        if (!validity.empty()) {
          // Rebuild without the values under nulls.
          Column clean(field.type);
          clean.Reserve(rows);
          for (size_t i = 0; i < rows; ++i) {
            if (validity[i]) {
              clean.AppendString(col.GetString(i));
            } else {
              clean.AppendNull();
            }
          }
          out.push_back(std::move(clean));
          continue;
        }
        out.push_back(std::move(col));
        continue;
      }
    }
    col.validity() = std::move(validity);
    Check(col.SetSizeFromStorage());
    out.push_back(std::move(col));
  }
  return RecordBatch(fields, std::move(out));
}

namespace {

const Column& ColumnAt(const Batch& b, size_t i) {
  if (i >= b.batch.num_columns()) throw py::index_error("column index out of range");
  return b.batch.column(i);
}

template <typename T>
py::array View(const std::vector<T>& values, const py::object& owner, const py::dtype& dtype) {
  // An empty vector may have no storage; NumPy then gets an array of its own.
  if (values.empty()) return py::array(dtype, py::array::ShapeContainer{py::ssize_t{0}});
  return py::array(dtype, {static_cast<py::ssize_t>(values.size())}, {static_cast<py::ssize_t>(sizeof(T))},
                   values.data(), owner);
}

}  // namespace

void BindBatch(py::module_& m) {
  py::class_<Batch, std::shared_ptr<Batch>>(m, "Batch",
                                            "Rows the engine produced. NumPy arrays from values() view its buffers "
                                            "(their .base is this batch, which stays alive as long as they do).")
      .def_property_readonly("num_rows", [](const Batch& b) { return b.batch.num_rows(); })
      .def(
          "fields",
          [](const Batch& b) {
            py::list out;
            for (const Field& f : b.batch.fields())
              out.append(py::make_tuple(f.name, ColumnTypeName(f.type), f.nullable));
            return out;
          },
          "[(name, type, nullable)] of the columns, in order.")
      .def(
          "values",
          [](py::object self, size_t i) -> py::array {
            const Column& col = ColumnAt(self.cast<const Batch&>(), i);
            switch (col.type()) {
              case ColumnType::kTimestamp: return View(col.int64s(), self, py::dtype("M8[ns]"));
              case ColumnType::kInt64: return View(col.int64s(), self, py::dtype::of<int64_t>());
              case ColumnType::kInt32: return View(col.int32s(), self, py::dtype::of<int32_t>());
              case ColumnType::kFloat64:
              case ColumnType::kFloat32: return View(col.doubles(), self, py::dtype::of<double>());
              case ColumnType::kBool: return View(col.bools(), self, py::dtype::of<bool>());
              default: throw py::type_error("values(): column " + std::to_string(i) + " holds strings");
            }
          },
          py::arg("i"),
          "Column i's values as a NumPy view of the batch's buffer (timestamps as "
          "datetime64[ns]; values under nulls are 0).")
      .def(
          "validity",
          [](py::object self, size_t i) -> py::object {
            const Column& col = ColumnAt(self.cast<const Batch&>(), i);
            if (col.validity().empty()) return py::none();
            return View(col.validity(), self, py::dtype::of<bool>());
          },
          py::arg("i"), "Column i's validity (True = a value) as a bool array view, or None when it has no nulls.")
      .def(
          "strings",
          [](const Batch& b, size_t i) {
            const Column& col = ColumnAt(b, i);
            if (!IsStringLike(col.type())) throw py::type_error("strings(): column is not a string column");
            py::array out(py::dtype("O"), py::array::ShapeContainer{static_cast<py::ssize_t>(col.size())});
            auto** items = static_cast<PyObject**>(out.mutable_data());
            // One str object per distinct value (up to kMaxCached of them), shared by its rows:
            // a low-cardinality column (exchange codes) costs a lookup a row, not an allocation.
            constexpr size_t kMaxCached = 1 << 16;
            std::unordered_map<std::string_view, PyObject*> cache;  // borrowed from `items`
            for (size_t r = 0; r < col.size(); ++r) {
              PyObject* item;
              if (col.IsNull(r)) {
                item = Py_None;
                Py_INCREF(item);
              } else {
                const std::string_view s = col.GetString(r);
                auto it = cache.find(s);
                if (it != cache.end()) {
                  item = it->second;
                  Py_INCREF(item);
                } else {
                  item = PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "strict");
                  if (item == nullptr) throw py::error_already_set();
                  if (cache.size() < kMaxCached) cache.emplace(s, item);
                }
              }
              Py_XDECREF(items[r]);  // NumPy filled the new object array with None
              items[r] = item;
            }
            return out;
          },
          py::arg("i"), "A string column as an object array of str (None for nulls).")
      .def(
          "dictionary",
          [](const Batch& b, size_t i) {
            const Column& col = ColumnAt(b, i);
            if (!IsStringLike(col.type())) throw py::type_error("dictionary(): column is not a string column");
            std::vector<std::string_view> names;
            py::array_t<int32_t> codes(static_cast<py::ssize_t>(col.size()));
            int32_t* out = codes.mutable_data();
            {
              py::gil_scoped_release nogil;
              std::unordered_map<std::string_view, int32_t> index;
              int32_t last = -1;
              std::string_view last_value;
              for (size_t r = 0; r < col.size(); ++r) {
                if (col.IsNull(r)) {
                  out[r] = -1;
                  continue;
                }
                const std::string_view s = col.GetString(r);
                if (last >= 0 && s == last_value) {  // rows of a symbol come together
                  out[r] = last;
                  continue;
                }
                auto [it, inserted] = index.try_emplace(s, static_cast<int32_t>(names.size()));
                if (inserted) names.push_back(s);
                last = out[r] = it->second;
                last_value = s;
              }
              // Categories in sorted order, codes remapped.
              std::vector<int32_t> order(names.size());
              std::iota(order.begin(), order.end(), 0);
              std::sort(order.begin(), order.end(), [&](int32_t a, int32_t z) { return names[a] < names[z]; });
              std::vector<int32_t> remap(names.size());
              for (size_t k = 0; k < order.size(); ++k) remap[order[k]] = static_cast<int32_t>(k);
              for (size_t r = 0; r < col.size(); ++r) {
                if (out[r] >= 0) out[r] = remap[out[r]];
              }
              std::vector<std::string_view> sorted(names.size());
              for (size_t k = 0; k < order.size(); ++k) sorted[k] = names[order[k]];
              names = std::move(sorted);
            }
            py::list categories;
            for (std::string_view s : names) categories.append(py::str(s.data(), s.size()));
            return py::make_tuple(categories, codes);
          },
          py::arg("i"),
          "A string column dictionary-encoded: (sorted categories, int32 codes; -1 for null), for a "
          "pandas Categorical.");
}

}  // namespace strata::python
