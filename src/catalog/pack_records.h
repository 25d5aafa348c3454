// The model store's storage rows (tables artifact_packs, artifact_chunks, model_version_chunks,
// model_loads; catalog migrations 2 and 3), as the catalog's typed calls see them: included by
// catalog.h, whose Catalog declares the calls (defined in pack_records.cc). The model store
// (src/artifacts) works with these records and never with the tables' SQL.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace strata {

// A pack file as the catalog records it.
struct PackRecord {
  int64_t id = 0;
  uint64_t bytes = 0;    // committed length; bytes past it belong to no chunk
  std::string location;  // local, both (local + cold), cold
  std::string sha256;    // of the committed bytes; set once archived
};

// Where one chunk's payload is: pack, offset, lengths and codec (a CompressionType value).
struct ChunkRecord {
  std::string chunk_id;  // SHA-256 of the raw bytes, hex
  int64_t pack_id = 0;
  uint64_t offset = 0;
  uint32_t stored_len = 0;
  uint32_t raw_len = 0;
  uint8_t codec = 0;
};

// One entry of a version's manifest: the chunk, and where it is (nullopt: the chunk has no row,
// which is corruption the caller names).
struct ManifestRecord {
  std::string chunk_id;
  std::optional<ChunkRecord> chunk;
};

// A version that refers to a chunk (verify names the versions a bad chunk breaks).
struct ChunkUserRecord {
  std::string model;
  int64_t version = 0;
  int64_t seq = 0;  // the chunk's position in that version's manifest
};

// A new model version with its manifest (chunk ids in file order), added by AddModelVersion.
struct NewModelVersionRecord {
  std::string model;
  std::optional<int64_t> version;  // nullopt: one past the highest
  uint64_t size = 0;
  std::string sha256;
  std::string meta_json, metrics_json;
  std::optional<int64_t> run_id;
  std::span<const std::string> chunk_ids;
};

// Totals of the model store's tables (`strata model stats`).
struct ModelStoreTotalsRecord {
  uint64_t models = 0, versions = 0, chunks = 0, packs = 0;
  uint64_t logical_bytes = 0;     // sum of the versions' sizes
  uint64_t unique_raw_bytes = 0;  // sum of the chunks' raw sizes
  uint64_t stored_bytes = 0;      // sum of the chunks' stored sizes
  uint64_t pack_bytes = 0;        // committed pack bytes
  uint64_t local_packs = 0, both_packs = 0, cold_packs = 0;
  uint64_t local_pack_bytes = 0, both_pack_bytes = 0, cold_pack_bytes = 0;
};

// One load of a model version, for the load log.
struct ModelLoadRecord {
  std::string model;
  int64_t version = 0;
  std::string tier;
  uint64_t bytes = 0;
  int64_t duration_ns = 0;
  int64_t started_at_ns = 0;
};

}  // namespace strata
