#pragma once
// The safetensors format: u64 little-endian header size, a JSON header, raw data.
#include <string>

#include "tensor_io/tensor_map.h"

namespace mrti {

struct SafetensorsFile {
  TensorMap tensors;  // CPU tensors; see read_safetensors for their storage
  Metadata metadata;
};

// Reads a .safetensors file, memory-mapped: the returned tensors alias the mapping,
// which stays alive while any of them does (treat them as read-only; clone to modify).
// Dtypes: F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL. The header is validated before
// anything is trusted (size, JSON, offsets inside the file, no overlaps, byte counts
// matching shapes); every failure throws mrti::Error naming the file and the problem.
SafetensorsFile read_safetensors(const std::string& path);

// Only the metadata and the tensor names/shapes, without mapping the data.
Metadata read_safetensors_metadata(const std::string& path);

// Writes `tensors` (any device; contiguous copies are made on the CPU) atomically.
void save_safetensors(const std::string& path, const TensorMap& tensors, const Metadata& metadata = {});

}  // namespace mrti
