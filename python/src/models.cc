// The model store (src/artifacts) for Python: versions put from files or bytes, loaded models as
// read-only buffers (memoryview, zero-copy from the store's RAM cache) and safetensors tensors as
// NumPy arrays viewing the same bytes.
#include <pybind11/stl.h>

#include <unordered_map>

#include "artifacts/model_store.h"
#include "artifacts/safetensors.h"
#include "common.h"

namespace strata::python {
namespace {

using artifacts::LoadedModel;
using artifacts::ModelStore;

// A loaded model's bytes: exposes the buffer protocol (read-only), keeping the cached buffer
// alive while any memoryview or array of it exists.
struct ModelBytes {
  std::shared_ptr<const LoadedModel> model;
};

py::dict VersionToDict(const artifacts::VersionInfo& v) {
  py::dict d;
  d["model"] = v.model;
  d["version"] = v.version;
  d["size"] = v.size;
  d["sha256"] = v.sha256;
  d["chunks"] = v.chunk_count;
  d["meta"] = v.meta_json;
  d["metrics"] = v.metrics_json;
  d["stage"] = v.stage;
  d["aliases"] = v.aliases;
  d["created_at_ns"] = v.created_at_ns;
  return d;
}

py::dtype TensorDtype(artifacts::DType t) {
  switch (t) {
    case artifacts::DType::kF16: return py::dtype("<f2");
    case artifacts::DType::kBF16: return py::dtype("<u2");  // NumPy has no bfloat16: the raw bits
    case artifacts::DType::kF32: return py::dtype("<f4");
    case artifacts::DType::kF64: return py::dtype("<f8");
    case artifacts::DType::kI8: return py::dtype("i1");
    case artifacts::DType::kI16: return py::dtype("<i2");
    case artifacts::DType::kI32: return py::dtype("<i4");
    case artifacts::DType::kI64: return py::dtype("<i8");
    case artifacts::DType::kU8: return py::dtype("u1");
    case artifacts::DType::kBool: return py::dtype("?");
  }
  return py::dtype("u1");
}

class PyModels {
 public:
  explicit PyModels(const std::string& root) {
    py::gil_scoped_release nogil;
    artifacts::ModelStoreOptions options;
    store_ = Unwrap(ModelStore::Open(root, options));
  }

  py::dict Put(const std::string& name, const py::object& data, const std::string& meta_json,
               const std::string& metrics_json, std::optional<int64_t> version) {
    artifacts::PutOptions options;
    options.meta_json = meta_json;
    options.metrics_json = metrics_json;
    options.version = version;
    artifacts::PutResult r;
    if (py::isinstance<py::bytes>(data) || py::isinstance<py::bytearray>(data) ||
        py::isinstance<py::memoryview>(data)) {
      py::buffer_info info = py::reinterpret_borrow<py::buffer>(data).request();
      std::string_view bytes(static_cast<const char*>(info.ptr), static_cast<size_t>(info.size * info.itemsize));
      py::gil_scoped_release nogil;
      r = Unwrap(store_->PutBytes(name, bytes, options));
    } else {
      const std::string path = py::str(data).cast<std::string>();  // str or os.PathLike via fspath
      py::gil_scoped_release nogil;
      r = Unwrap(store_->Put(name, path, options));
    }
    py::dict d;
    d["version"] = r.version;
    d["size"] = r.size;
    d["sha256"] = r.sha256;
    d["chunks"] = r.chunks;
    d["new_chunks"] = r.new_chunks;
    d["new_raw_bytes"] = r.new_raw_bytes;
    d["new_stored_bytes"] = r.new_stored_bytes;
    return d;
  }

  std::shared_ptr<ModelBytes> Load(const std::string& ref_text) {
    auto ref = Unwrap(artifacts::ParseModelRef(ref_text));
    py::gil_scoped_release nogil;
    return std::make_shared<ModelBytes>(ModelBytes{Unwrap(store_->Load(ref.name, ref.ref))});
  }

  // The named tensors only (the engine reads just their chunks unless the version is cached).
  std::shared_ptr<ModelBytes> LoadTensors(const std::string& ref_text, const std::vector<std::string>& names) {
    auto ref = Unwrap(artifacts::ParseModelRef(ref_text));
    py::gil_scoped_release nogil;
    return std::make_shared<ModelBytes>(ModelBytes{Unwrap(store_->LoadTensors(ref.name, ref.ref, names))});
  }

  py::dict Show(const std::string& ref_text) {
    auto ref = Unwrap(artifacts::ParseModelRef(ref_text));
    artifacts::VersionInfo v;
    {
      py::gil_scoped_release nogil;
      v = Unwrap(store_->Resolve(ref.name, ref.ref));
    }
    return VersionToDict(v);
  }

  py::list List(const std::string& name) {
    py::list out;
    if (name.empty()) {
      std::vector<artifacts::ModelSummary> models;
      {
        py::gil_scoped_release nogil;
        models = Unwrap(store_->ListModels());
      }
      for (const auto& s : models) {
        py::dict d;
        d["name"] = s.name;
        d["versions"] = s.versions;
        d["latest"] = s.latest;
        d["bytes"] = s.bytes;
        out.append(d);
      }
      return out;
    }
    std::vector<artifacts::VersionInfo> versions;
    {
      py::gil_scoped_release nogil;
      versions = Unwrap(store_->ListVersions(name));
    }
    for (const auto& v : versions) out.append(VersionToDict(v));
    return out;
  }

  void Promote(const std::string& ref_text, const std::string& stage) {
    auto ref = Unwrap(artifacts::ParseModelRef(ref_text));
    py::gil_scoped_release nogil;
    Check(store_->Promote(ref.name, ref.ref, stage));
  }

  py::dict Diff(const std::string& a_text, const std::string& b_text) {
    auto a = Unwrap(artifacts::ParseModelRef(a_text));
    auto b = Unwrap(artifacts::ParseModelRef(b_text));
    artifacts::DiffResult r;
    {
      py::gil_scoped_release nogil;
      r = Unwrap(store_->Diff(a.name, a.ref, b.name, b.ref));
    }
    py::dict d;
    d["a_bytes"] = r.a_bytes;
    d["b_bytes"] = r.b_bytes;
    d["shared_bytes"] = r.shared_bytes;
    d["new_bytes"] = r.new_bytes;
    d["shared_chunks"] = r.shared_chunks;
    d["new_chunks"] = r.new_chunks;
    return d;
  }

 private:
  std::unique_ptr<ModelStore> store_;
};

// A parsed safetensors header by the model's SHA-256 (the same bytes, the same header): a cached
// load of a 256-tensor model spent ~80% of its time parsing the JSON header again (nlohmann's
// DOM). Offsets, not pointers: the cached bytes of another load may sit elsewhere. Used with the
// GIL held (Tensors builds arrays), which serialises it.
struct ParsedTensors {
  size_t size = 0;                             // of the model's bytes
  std::vector<artifacts::TensorView> tensors;  // name, dtype, shape (data unused)
  std::vector<size_t> offsets;                 // of each tensor's data in the bytes
};

std::unordered_map<std::string, std::shared_ptr<const ParsedTensors>>& ParsedTensorCache() {
  static auto* cache = new std::unordered_map<std::string, std::shared_ptr<const ParsedTensors>>();
  return *cache;
}

std::shared_ptr<const ParsedTensors> CachedTensors(const std::string& sha256, size_t size) {
  if (sha256.empty()) return nullptr;
  auto& cache = ParsedTensorCache();
  auto it = cache.find(sha256);
  if (it == cache.end() || it->second->size != size) return nullptr;
  return it->second;
}

void CacheTensors(const std::string& sha256, std::shared_ptr<const ParsedTensors> parsed) {
  if (sha256.empty()) return;
  auto& cache = ParsedTensorCache();
  if (cache.size() >= 64) cache.clear();  // headers of the last few dozen models
  cache[sha256] = std::move(parsed);
}

// Tensors of a loaded safetensors model as read-only arrays viewing its bytes (base: `owner`).
py::dict Tensors(const py::object& owner, const std::optional<std::vector<std::string>>& names) {
  const ModelBytes& mb = owner.cast<const ModelBytes&>();
  const std::string label = mb.model->model + "@" + std::to_string(mb.model->version);
  const std::string_view bytes = mb.model->view();
  std::shared_ptr<const ParsedTensors> parsed = CachedTensors(mb.model->sha256, bytes.size());
  if (parsed == nullptr) {
    auto header = Unwrap(artifacts::ParseSafetensors(bytes, label));
    auto fresh = std::make_shared<ParsedTensors>();
    fresh->size = bytes.size();
    for (const artifacts::TensorView& t : header.tensors) {
      fresh->offsets.push_back(static_cast<size_t>(t.data.data() - bytes.data()));
    }
    fresh->tensors = std::move(header.tensors);  // their data views are not used: rebased per call
    CacheTensors(mb.model->sha256, fresh);
    parsed = std::move(fresh);
  }
  py::dict out;
  // One dtype object per element type of the call: py::dtype("<f4") parses its text through
  // NumPy, ~1 us a tensor.
  std::unordered_map<int, py::dtype> dtypes;
  auto add = [&](const artifacts::TensorView& t) {
    std::vector<py::ssize_t> shape(t.shape.begin(), t.shape.end());
    auto [it, inserted] = dtypes.try_emplace(static_cast<int>(t.dtype));
    if (inserted) it->second = TensorDtype(t.dtype);
    const py::dtype& dtype = it->second;
    std::vector<py::ssize_t> strides(shape.size());
    py::ssize_t stride = dtype.itemsize();
    for (size_t i = shape.size(); i-- > 0;) {
      strides[i] = stride;
      stride *= shape[i];
    }
    py::array arr(dtype, shape, strides,
                  bytes.data() + parsed->offsets[static_cast<size_t>(&t - parsed->tensors.data())], owner);
    // Read-only, set on the array itself (a setflags() call through Python cost ~1 us a tensor:
    // a quarter of a cached 256-tensor load).
    py::detail::array_proxy(arr.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
    out[py::str(t.name)] = std::move(arr);
  };
  if (!names) {
    for (const auto& t : parsed->tensors) add(t);
    return out;
  }
  for (const std::string& name : *names) {
    const artifacts::TensorView* found = nullptr;
    for (const auto& t : parsed->tensors) {
      if (t.name == name) found = &t;
    }
    if (found == nullptr) Check(Status::NotFound("no tensor '" + name + "' in model " + label));
    add(*found);
  }
  return out;
}

}  // namespace

void BindModels(py::module_& m) {
  py::class_<ModelBytes, std::shared_ptr<ModelBytes>>(m, "ModelBytes", py::buffer_protocol(),
                                                      "A loaded model version's bytes (read-only buffer).")
      .def_buffer([](ModelBytes& b) {
        // A partial load has no whole bytes: an empty buffer (an exception cannot leave getbuffer).
        if (b.model->partial) {
          return py::buffer_info(const_cast<char*>(b.model->view().data()), 1, py::format_descriptor<uint8_t>::format(),
                                 1, {py::ssize_t{0}}, {py::ssize_t{1}},
                                 /*readonly=*/true);
        }
        const auto bytes = b.model->view();
        return py::buffer_info(const_cast<char*>(bytes.data()), 1, py::format_descriptor<uint8_t>::format(), 1,
                               {static_cast<py::ssize_t>(bytes.size())}, {py::ssize_t{1}}, /*readonly=*/true);
      })
      .def_property_readonly("model", [](const ModelBytes& b) { return b.model->model; })
      .def_property_readonly("version", [](const ModelBytes& b) { return b.model->version; })
      .def_property_readonly("sha256", [](const ModelBytes& b) { return b.model->sha256; })
      .def_property_readonly("tier", [](const ModelBytes& b) { return b.model->tier; })
      .def_property_readonly("size", [](const ModelBytes& b) { return b.model->view().size(); })
      .def(
          "header",
          [](const ModelBytes& b) {
            const std::string_view v = b.model->view();
            uint64_t n = 0;
            for (size_t i = std::min<size_t>(v.size(), 8); i-- > 0;) n = (n << 8) | static_cast<uint8_t>(v[i]);
            return py::bytes(v.substr(0, 8 + std::min<uint64_t>(n, v.size() < 8 ? 0 : v.size() - 8)));
          },
          "The safetensors prefix: the 8-byte length and the JSON header (defined in partial loads too).")
      .def_property_readonly("partial", [](const ModelBytes& b) { return b.model->partial; })
      .def_property_readonly("bytes_read", [](const ModelBytes& b) { return b.model->bytes_read; })
      .def("tensors", &Tensors, py::arg("names") = py::none(),
           "The safetensors tensors as read-only NumPy arrays viewing these bytes (BF16 as uint16 bits).");

  py::class_<PyModels, std::shared_ptr<PyModels>>(m, "ModelStore")
      .def(py::init<const std::string&>(), py::arg("root"))
      .def("put", &PyModels::Put, py::arg("name"), py::arg("data"), py::arg("meta") = "{}", py::arg("metrics") = "{}",
           py::arg("version") = py::none())
      .def("load", &PyModels::Load, py::arg("ref"))
      .def("load_tensors", &PyModels::LoadTensors, py::arg("ref"), py::arg("names"),
           "A load of only the named tensors: the chunks holding them (and the header) are read, unless cached; the "
           "result is `partial` (an empty buffer; its tensors(names) views them).")
      .def("show", &PyModels::Show, py::arg("ref"))
      .def("list", &PyModels::List, py::arg("name") = "")
      .def("promote", &PyModels::Promote, py::arg("ref"), py::arg("stage"))
      .def("diff", &PyModels::Diff, py::arg("a"), py::arg("b"));
}

}  // namespace strata::python
