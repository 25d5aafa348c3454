#include "parquet/parquet_writer.h"

#include <unistd.h>

#include <algorithm>

#include "core/schema_text.h"
#include "parquet/column_util.h"
#include "parquet/column_writer.h"
#include "parquet/format.h"
#include "parquet/schema_mapping.h"

namespace strata::parquet {

class ParquetWriter::Impl {
 public:
  Impl(FileSystem* fs, std::string path, std::vector<Field> fields, const WriterOptions& options)
      : fs_(fs), path_(std::move(path)), fields_(std::move(fields)), options_(options), pending_(fields_) {}

  ~Impl() {
    if (!closed_ && file_ != nullptr) {
      file_->Close().IgnoreError();
      fs_->RemoveFile(write_path_).IgnoreError();
    }
  }

  Status Init() {
    if (fields_.empty()) return Status::InvalidArgument("parquet writer for " + path_ + ": no columns");
    if (options_.row_group_rows <= 0 || options_.page_rows <= 0 || options_.page_bytes <= 0) {
      return Status::InvalidArgument("parquet writer for " + path_ +
                                     ": row_group_rows, page_rows and page_bytes must be positive");
    }
    for (const auto& [name, enc] : options_.column_encodings) {
      bool known = false;
      for (const Field& f : fields_) known |= f.name == name;
      if (!known)
        return Status::InvalidArgument("parquet writer for " + path_ + ": encoding given for unknown column " + name);
    }
    ASSIGN_OR_RETURN(codec_, MakeCodec(options_.compression, options_.compression_level));
    for (const Field& f : fields_) {
      auto it = options_.column_encodings.find(f.name);
      ColumnEncoding requested = it == options_.column_encodings.end() ? options_.default_encoding : it->second;
      auto resolved = ResolveEncoding(requested, f.type);
      if (!resolved.ok() && it == options_.column_encodings.end()) {
        // The default applies where it can; other columns get what common writers use.
        requested = ColumnEncoding::kAuto;
        resolved = ResolveEncoding(requested, f.type);
      }
      if (!resolved.ok()) return resolved.status().WithContext("parquet writer for " + path_ + " column " + f.name);
      writers_.push_back(std::make_unique<ColumnChunkWriter>(f, requested, options_, codec_.get()));
    }
    if (options_.encryption) {
      const FileEncryption& e = *options_.encryption;
      RETURN_IF_ERROR(crypto::ValidateKeyId(e.key_id).WithContext("parquet writer for " + path_));
      module_key_.key = e.key;
      module_key_.use_aad = e.module_aad;
      if (e.module_aad) {
        // The file's identity in every module AAD: a module moved from another file fails its tag.
        ASSIGN_OR_RETURN(module_key_.file_aad, crypto::RandomBytes(8));
      }
      auto gcm = crypto::AesGcm::Create(e.key);
      if (!gcm.ok()) return gcm.status().WithContext("parquet writer for " + path_ + " key " + e.key_id);
      gcm_ = std::move(*gcm);
      for (size_t c = 0; c < writers_.size(); ++c)
        writers_[c]->SetEncryption(gcm_.get(), &module_key_, static_cast<int>(c));
    }
    if (options_.atomic) RETURN_IF_ERROR(CheckReplaceableByRename(path_));
    write_path_ = options_.atomic ? path_ + ".tmp-" + std::to_string(::getpid()) : path_;
    ASSIGN_OR_RETURN(file_, fs_->NewWritableFile(write_path_, OpenMode::kTruncate));
    buf_ = gcm_ ? "PARE" : "PAR1";
    return Flush();
  }

  // After a failed Write or Close the file is in an unknown state: every later call fails.
  Status Write(const RecordBatch& batch, bool last) {
    if (!failed_.ok()) return failed_;
    Status st = DoWrite(batch, last);
    if (!st.ok() && st.code() != StatusCode::kInvalidArgument) failed_ = st;
    return st;
  }

  Status Close() {
    if (!failed_.ok()) return failed_;
    Status st = DoClose();
    if (!st.ok() && st.code() != StatusCode::kInvalidArgument) failed_ = st;
    return st;
  }

 private:
  Status DoWrite(const RecordBatch& batch, bool last) {
    if (closed_) return Status::InvalidArgument("parquet writer for " + path_ + ": write after close");
    if (batch.fields() != fields_) {
      return Status::InvalidArgument("parquet writer for " + path_ + ": batch columns differ from the file's");
    }
    RETURN_IF_ERROR(batch.Validate().WithContext("parquet writer for " + path_));
    size_t rows = batch.num_rows(), pos = 0;
    size_t group = static_cast<size_t>(options_.row_group_rows);
    while (pos < rows) {
      if (pending_.num_rows() == 0 && (rows - pos >= group || last)) {
        const size_t take = std::min(rows - pos, group);   // a short one only as the last row group
        RETURN_IF_ERROR(WriteRowGroup(batch, pos, take));  // straight from the caller's batch
        pos += take;
        continue;
      }
      size_t take = std::min(rows - pos, group - pending_.num_rows());
      for (size_t c = 0; c < fields_.size(); ++c) AppendRange(batch.column(c), pos, take, &pending_.column(c));
      pos += take;
      if (pending_.num_rows() == group) RETURN_IF_ERROR(FlushPending());
    }
    return Status::OK();
  }

  Status DoClose() {
    if (closed_) return Status::InvalidArgument("parquet writer for " + path_ + ": closed twice");
    RETURN_IF_ERROR(FlushPending());
    RETURN_IF_ERROR(WritePageIndex());
    FileMetaData md;
    md.version = 1;  // the spec asks writers to say 1, whatever features they use
    md.schema = ToParquetSchema(fields_, options_.timestamp_adjusted_to_utc);
    md.num_rows = rows_;
    md.row_groups = std::move(row_groups_);
    md.key_value_metadata.push_back({kStrataSchemaKey, FieldsToString(fields_)});
    for (const auto& [k, v] : options_.key_value_metadata) md.key_value_metadata.push_back({k, v});
    md.created_by = options_.created_by;
    md.column_orders.assign(fields_.size(), ColumnOrder{});
    size_t footer_start = buf_.size();
    if (gcm_) {
      // Encrypted footer mode: FileCryptoMetaData, then the sealed FileMetaData.
      FileCryptoMetaData fcm;
      fcm.encryption_algorithm.kind = EncryptionAlgorithm::Kind::kAesGcmV1;
      if (module_key_.use_aad) fcm.encryption_algorithm.aad_file_unique = module_key_.file_aad;
      fcm.key_metadata = options_.encryption->key_id;
      EncodeFileCryptoMetaData(fcm, &buf_);
      std::string plain;
      EncodeFileMetaData(md, &plain);
      RETURN_IF_ERROR(EncryptModule(gcm_.get(), module_key_, plain, ModuleType::kFooter, 0, 0, 0, &buf_)
                          .WithContext("parquet writer for " + path_));
    } else {
      EncodeFileMetaData(md, &buf_);
    }
    uint32_t len = static_cast<uint32_t>(buf_.size() - footer_start);
    buf_.append(reinterpret_cast<const char*>(&len), 4);
    buf_ += gcm_ ? "PARE" : "PAR1";
    RETURN_IF_ERROR(Flush());
    if (options_.atomic || options_.sync) RETURN_IF_ERROR(file_->Sync());
    RETURN_IF_ERROR(file_->Close());
    if (options_.atomic) {
      RETURN_IF_ERROR(fs_->Rename(write_path_, path_));
      RETURN_IF_ERROR(fs_->SyncDir(DirName(path_)));
    }
    closed_ = true;
    return Status::OK();
  }

  Status Flush() {
    if (buf_.empty()) return Status::OK();
    RETURN_IF_ERROR(file_->Append(buf_));
    offset_ += buf_.size();
    buf_.clear();
    return Status::OK();
  }

  Status FlushPending() {
    if (pending_.num_rows() == 0) return Status::OK();
    RETURN_IF_ERROR(WriteRowGroup(pending_, 0, pending_.num_rows()));
    pending_.Clear();
    return Status::OK();
  }

  Status WriteRowGroup(const RecordBatch& batch, size_t begin, size_t n) {
    RowGroup rg;
    rg.num_rows = static_cast<int64_t>(n);
    rg.file_offset = static_cast<int64_t>(offset_);
    rg.ordinal = static_cast<int16_t>(row_groups_.size());
    int64_t uncompressed = 0, compressed = 0;
    std::vector<ChunkResult> results(fields_.size());
    for (size_t c = 0; c < fields_.size(); ++c) {
      uint64_t at = offset_;
      writers_[c]->set_row_group(static_cast<int>(row_groups_.size()));
      RETURN_IF_ERROR(writers_[c]
                          ->WriteChunk(batch.column(c), begin, n, at, &buf_, &results[c])
                          .WithContext("parquet writer for " + path_ + " column " + fields_[c].name));
      RETURN_IF_ERROR(Flush());
      uncompressed += results[c].chunk.meta_data->total_uncompressed_size;
      compressed += results[c].chunk.meta_data->total_compressed_size;
      if (gcm_) results[c].chunk.crypto_metadata.emplace();  // with the footer key
      rg.columns.push_back(results[c].chunk);
    }
    rg.total_byte_size = uncompressed;
    rg.total_compressed_size = compressed;
    row_groups_.push_back(std::move(rg));
    indexes_.push_back(std::move(results));
    rows_ += static_cast<int64_t>(n);
    return Status::OK();
  }

  // All column indexes, then all offset indexes, between the last row group and the footer.
  Status WritePageIndex() {
    if (!options_.write_page_index) return Status::OK();
    for (size_t g = 0; g < row_groups_.size(); ++g) {
      for (size_t c = 0; c < fields_.size(); ++c) {
        const auto& ci = indexes_[g][c].column_index;
        if (!ci) continue;
        size_t start = buf_.size();
        RETURN_IF_ERROR(Sealed(g, c, ModuleType::kColumnIndex, [&](std::string* out) { EncodeColumnIndex(*ci, out); }));
        row_groups_[g].columns[c].column_index_offset = static_cast<int64_t>(offset_ + start);
        row_groups_[g].columns[c].column_index_length = static_cast<int32_t>(buf_.size() - start);
      }
    }
    for (size_t g = 0; g < row_groups_.size(); ++g) {
      for (size_t c = 0; c < fields_.size(); ++c) {
        size_t start = buf_.size();
        RETURN_IF_ERROR(Sealed(g, c, ModuleType::kOffsetIndex,
                               [&](std::string* out) { EncodeOffsetIndex(indexes_[g][c].offset_index, out); }));
        row_groups_[g].columns[c].offset_index_offset = static_cast<int64_t>(offset_ + start);
        row_groups_[g].columns[c].offset_index_length = static_cast<int32_t>(buf_.size() - start);
      }
    }
    indexes_.clear();
    return Flush();
  }

  // Appends what `encode` writes to buf_, sealed as module `type` of row group g, column c when the
  // file is encrypted.
  template <typename Encode>
  Status Sealed(size_t g, size_t c, ModuleType type, Encode&& encode) {
    if (!gcm_) {
      encode(&buf_);
      return Status::OK();
    }
    std::string plain;
    encode(&plain);
    return EncryptModule(gcm_.get(), module_key_, plain, type, static_cast<int>(g), static_cast<int>(c), 0, &buf_)
        .WithContext("parquet writer for " + path_);
  }

  FileSystem* fs_;
  std::string path_, write_path_;
  ModuleKey module_key_;
  std::unique_ptr<crypto::AesGcm> gcm_;  // set when the file is encrypted
  std::vector<Field> fields_;
  WriterOptions options_;
  std::unique_ptr<Codec> codec_;
  std::vector<std::unique_ptr<ColumnChunkWriter>> writers_;
  std::unique_ptr<WritableFile> file_;
  RecordBatch pending_;
  std::string buf_;
  uint64_t offset_ = 0;  // bytes appended to the file
  int64_t rows_ = 0;
  std::vector<RowGroup> row_groups_;
  std::vector<std::vector<ChunkResult>> indexes_;
  bool closed_ = false;
  Status failed_;

 public:
  const std::vector<Field>& fields() const { return fields_; }
  int64_t rows() const { return rows_; }
  uint64_t bytes() const { return offset_ + buf_.size(); }
};

ParquetWriter::ParquetWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ParquetWriter::~ParquetWriter() = default;

Result<std::unique_ptr<ParquetWriter>> ParquetWriter::Open(FileSystem* fs, const std::string& path,
                                                           std::vector<Field> fields, const WriterOptions& options) {
  auto impl = std::make_unique<Impl>(fs, path, std::move(fields), options);
  RETURN_IF_ERROR(impl->Init());
  return std::unique_ptr<ParquetWriter>(new ParquetWriter(std::move(impl)));
}

Status ParquetWriter::Write(const RecordBatch& batch) { return impl_->Write(batch, /*last=*/false); }
Status ParquetWriter::WriteLast(const RecordBatch& batch) { return impl_->Write(batch, /*last=*/true); }
Status ParquetWriter::Close() { return impl_->Close(); }
const std::vector<Field>& ParquetWriter::fields() const { return impl_->fields(); }
int64_t ParquetWriter::rows_written() const { return impl_->rows(); }
uint64_t ParquetWriter::bytes_written() const { return impl_->bytes(); }

Status WriteParquetFile(FileSystem* fs, const std::string& path, const RecordBatch& batch,
                        const WriterOptions& options) {
  ASSIGN_OR_RETURN(auto writer, ParquetWriter::Open(fs, path, batch.fields(), options));
  RETURN_IF_ERROR(writer->WriteLast(batch));
  return writer->Close();
}

}  // namespace strata::parquet
