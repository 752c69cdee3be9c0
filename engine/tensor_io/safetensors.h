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
// which stays alive while any of them does. The mapping is private: in-place changes copy
// the touched pages and never reach the file.
// Dtypes: F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL. The header is validated before
// anything is trusted (size, JSON, offsets inside the file, no overlaps, byte counts
// matching shapes); every failure throws mrti::Error naming the file and the problem.
SafetensorsFile read_safetensors(const std::string& path);

// Drops the resident pages of `t` when it is a view of a memory-mapped safetensors file
// (read_safetensors), so copying a whole file into a model never holds the file's pages
// and the model at once; the data is read again from the file if the tensor is used
// later. Does nothing for any other tensor.
void release_mapped_pages(const at::Tensor& t);

// Only the `__metadata__`: the header is read and validated, the data is not mapped.
Metadata read_safetensors_metadata(const std::string& path);

// Writes `tensors` (any device; contiguous copies are made on the CPU) atomically, with
// sorted header keys padded to a multiple of 8 bytes and the data ordered by decreasing
// item size, so every tensor is naturally aligned when read back.
void save_safetensors(const std::string& path, const TensorMap& tensors, const Metadata& metadata = {});

}  // namespace mrti
