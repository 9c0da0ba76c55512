// The trace file's framing, shared by the writer (recorder/) and the reader (replay/).
// trace.capnp describes the records; this file describes how they sit in the file.
#pragma once
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace pw::trace {

static_assert(std::endian::native == std::endian::little, "the trace format is little-endian");

inline constexpr std::string_view kFileMagic{"PWTRACE\n", 8};
inline constexpr std::string_view kTrailerMagic{"PWTREND\n", 8};
inline constexpr std::size_t kFrameHeaderBytes = 16;
inline constexpr std::size_t kTrailerBytes = 16;
inline constexpr std::uint16_t kFormatMajor = 1;
inline constexpr std::uint16_t kFormatMinor = 6;
// A frame larger than this is corruption, not data.
inline constexpr std::uint32_t kMaxPayloadBytes = 1u << 30;
// The most a record may expand to once decompressed. The largest record is a snapshot, the
// whole state of a run: under the default limits (a 1 GiB heap, whose image takes at most
// 1.5 times its size; 256 MiB of output; the stack and the frames) it stays below this. A
// reader refuses a frame that declares more, or does not declare its size, before it
// allocates anything; a writer stops recording rather than write one.
inline constexpr std::uint64_t kMaxRecordBytes = 2ull << 30;

enum class RecordKind : std::uint8_t {
  Header = 1,
  EventChunk = 2,
  Snapshot = 3,
  Outcome = 4,
  Index = 5,
};
std::string_view record_kind_name(RecordKind kind);

enum class Codec : std::uint8_t { Zstd = 1 };

struct FrameHeader {
  std::uint32_t payload_bytes = 0;
  RecordKind kind = RecordKind::Header;
  Codec codec = Codec::Zstd;
  std::uint64_t checksum = 0;  // XXH3-64 of the payload as stored

  std::array<char, kFrameHeaderBytes> encode() const {
    std::array<char, kFrameHeaderBytes> out{};
    std::memcpy(out.data(), &payload_bytes, 4);
    out[4] = static_cast<char>(kind);
    out[5] = static_cast<char>(codec);
    std::memcpy(out.data() + 8, &checksum, 8);
    return out;
  }
  static FrameHeader decode(const char* p) {
    FrameHeader h;
    std::memcpy(&h.payload_bytes, p, 4);
    h.kind = static_cast<RecordKind>(static_cast<std::uint8_t>(p[4]));
    h.codec = static_cast<Codec>(static_cast<std::uint8_t>(p[5]));
    std::memcpy(&h.checksum, p + 8, 8);
    return h;
  }
};

std::uint64_t checksum(const void* data, std::size_t bytes);

}  // namespace pw::trace
