// Structure-aware mutation of Cap'n Proto messages through the dynamic (reflection) API.
#include "capnp_mutation.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include <capnp/orphan.h>

extern "C" std::size_t LLVMFuzzerMutate(std::uint8_t* data, std::size_t size, std::size_t max_size);

namespace pwfuzz {

namespace {

constexpr int kMaxDepth = 8;

std::uint64_t random64(Rng& rng) { return (std::uint64_t{rng()} << 33) ^ (std::uint64_t{rng()} << 2) ^ rng(); }

bool mutate_struct(capnp::DynamicStruct::Builder s, Rng& rng, int depth);

double interesting_double(double old, Rng& rng) {
  switch (rng() % 8) {
    case 0: return 0.0;
    case 1: return -0.0;
    case 2: return std::numeric_limits<double>::quiet_NaN();
    case 3: return std::numeric_limits<double>::infinity();
    case 4: return -std::numeric_limits<double>::infinity();
    case 5: return old * 2 + 1;
    case 6: return 1e300;
    default: return static_cast<double>(static_cast<std::int64_t>(random64(rng)));
  }
}

// A primitive field (or list item) given a new value of its own type.
capnp::DynamicValue::Reader new_primitive(capnp::schema::Type::Which type, capnp::DynamicValue::Reader old, Rng& rng) {
  using W = capnp::schema::Type;
  auto as_bits = [&](unsigned bits) {
    const bool is_signed = type == W::INT8 || type == W::INT16 || type == W::INT32 || type == W::INT64;
    const std::uint64_t raw = is_signed ? static_cast<std::uint64_t>(old.as<std::int64_t>()) : old.as<std::uint64_t>();
    return interesting_integer(raw, bits, rng);
  };
  switch (type) {
    case W::BOOL: return !old.as<bool>();
    case W::INT8: return static_cast<std::int8_t>(as_bits(8));
    case W::INT16: return static_cast<std::int16_t>(as_bits(16));
    case W::INT32: return static_cast<std::int32_t>(as_bits(32));
    case W::INT64: return static_cast<std::int64_t>(as_bits(64));
    case W::UINT8: return static_cast<std::uint8_t>(as_bits(8));
    case W::UINT16: return static_cast<std::uint16_t>(as_bits(16));
    case W::UINT32: return static_cast<std::uint32_t>(as_bits(32));
    case W::UINT64: return as_bits(64);
    case W::FLOAT32: return static_cast<float>(interesting_double(old.as<float>(), rng));
    case W::FLOAT64: return interesting_double(old.as<double>(), rng);
    default: return old;
  }
}

bool is_primitive(capnp::schema::Type::Which t) {
  using W = capnp::schema::Type;
  return t == W::BOOL || t == W::INT8 || t == W::INT16 || t == W::INT32 || t == W::INT64 || t == W::UINT8 ||
         t == W::UINT16 || t == W::UINT32 || t == W::UINT64 || t == W::FLOAT32 || t == W::FLOAT64;
}

std::string bytes_of(capnp::DynamicValue::Reader v) {
  if (v.getType() == capnp::DynamicValue::TEXT) {
    auto t = v.as<capnp::Text>();
    return std::string(t.begin(), t.size());
  }
  auto d = v.as<capnp::Data>();
  return std::string(reinterpret_cast<const char*>(d.begin()), d.size());
}

// Removes or repeats one item of a list, or changes one: its length and contents are what
// readers check against each other.
bool mutate_list(capnp::DynamicStruct::Builder s, capnp::StructSchema::Field f, Rng& rng, int depth) {
  using W = capnp::schema::Type;
  auto list = s.get(f).as<capnp::DynamicList>();
  const auto element = list.getSchema().getElementType();
  const unsigned n = list.size();
  if (n > 0 && rng() % 4 != 0) {
    const unsigned i = rng() % n;
    switch (element.which()) {
      case W::STRUCT: return depth < kMaxDepth && mutate_struct(list[i].as<capnp::DynamicStruct>(), rng, depth + 1);
      case W::TEXT: {
        std::string b = bytes_of(list.asReader()[i]);
        mutate_bytes(b, rng);
        list.set(i, capnp::Text::Reader(b.c_str(), b.size()));
        return true;
      }
      case W::DATA: {
        std::string b = bytes_of(list.asReader()[i]);
        mutate_bytes(b, rng);
        list.set(i, capnp::Data::Reader(reinterpret_cast<const kj::byte*>(b.data()), b.size()));
        return true;
      }
      case W::ENUM:
        list.set(i, capnp::DynamicEnum(element.asEnum(), static_cast<std::uint16_t>(interesting_integer(0, 16, rng))));
        return true;
      default:
        if (!is_primitive(element.which())) return false;
        list.set(i, new_primitive(element.which(), list.asReader()[i], rng));
        return true;
    }
  }
  // A new length: one item fewer, or one repeated.
  auto old = s.disown(f);
  auto items = old.getReader().as<capnp::DynamicList>();
  const bool shorter = n > 0 && rng() % 2 == 0;
  const unsigned skip = n ? rng() % n : 0;
  auto fresh = s.init(f, shorter ? n - 1 : n + 1).as<capnp::DynamicList>();
  unsigned out = 0;
  for (unsigned k = 0; k < n; ++k) {
    if (shorter && k == skip) continue;
    fresh.set(out++, items[k]);
    if (!shorter && k == skip) fresh.set(out++, items[k]);
  }
  return true;
}

// A union moves to another member, with that member's default value.
bool switch_union(capnp::DynamicStruct::Builder s, Rng& rng) {
  const auto members = s.getSchema().getUnionFields();
  if (members.size() < 2) return false;
  const auto f = members[rng() % members.size()];
  using W = capnp::schema::Type;
  const auto t = f.getType();
  if (f.getProto().isGroup()) {
    s.init(f);
  } else if (t.which() == W::VOID) {
    s.set(f, capnp::VOID);
  } else if (is_primitive(t.which())) {
    if (t.which() == W::BOOL) s.set(f, false);
    else s.set(f, std::int64_t{0});
  } else if (t.which() == W::TEXT || t.which() == W::DATA || t.which() == W::LIST) {
    s.init(f, rng() % 4);
  } else if (t.which() == W::STRUCT) {
    s.init(f);
  } else {
    return false;
  }
  return true;
}

bool mutate_field(capnp::DynamicStruct::Builder s, capnp::StructSchema::Field f, Rng& rng, int depth) {
  using W = capnp::schema::Type;
  if (f.getProto().isGroup())
    return depth < kMaxDepth && mutate_struct(s.get(f).as<capnp::DynamicStruct>(), rng, depth + 1);
  const auto t = f.getType();
  switch (t.which()) {
    case W::VOID: return false;
    case W::TEXT: {
      std::string b = bytes_of(s.asReader().get(f));
      mutate_bytes(b, rng);
      s.set(f, capnp::Text::Reader(b.c_str(), b.size()));
      return true;
    }
    case W::DATA: {
      std::string b = bytes_of(s.asReader().get(f));
      mutate_bytes(b, rng);
      s.set(f, capnp::Data::Reader(reinterpret_cast<const kj::byte*>(b.data()), b.size()));
      return true;
    }
    case W::LIST: return mutate_list(s, f, rng, depth);
    case W::STRUCT:
      if (!s.has(f)) {
        s.init(f);
        return true;
      }
      return depth < kMaxDepth && mutate_struct(s.get(f).as<capnp::DynamicStruct>(), rng, depth + 1);
    case W::ENUM:
      s.set(f, capnp::DynamicEnum(t.asEnum(), static_cast<std::uint16_t>(
                                                  interesting_integer(s.asReader().get(f).as<capnp::DynamicEnum>().getRaw(), 16, rng))));
      return true;
    default:
      if (!is_primitive(t.which())) return false;
      s.set(f, new_primitive(t.which(), s.asReader().get(f), rng));
      return true;
  }
}

bool mutate_struct(capnp::DynamicStruct::Builder s, Rng& rng, int depth) {
  if (rng() % 16 == 0 && switch_union(s, rng)) return true;
  std::vector<capnp::StructSchema::Field> fields;
  for (auto f : s.getSchema().getNonUnionFields()) fields.push_back(f);
  KJ_IF_MAYBE(active, s.which()) { fields.push_back(*active); }
  if (fields.empty()) return false;
  for (int attempt = 0; attempt < 4; ++attempt)
    if (mutate_field(s, fields[rng() % fields.size()], rng, depth)) return true;
  return false;
}

// Record sizes of the blobs in a trace: handlers (12), values (16), objects (24), frames (40).
constexpr std::size_t kRecordSizes[] = {12, 16, 24, 40};

}  // namespace

std::uint64_t interesting_integer(std::uint64_t old, unsigned bits, Rng& rng) {
  const std::uint64_t mask = bits >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1;
  std::uint64_t v = 0;
  switch (rng() % 10) {
    case 0: v = 0; break;
    case 1: v = 1; break;
    case 2: v = old + 1; break;
    case 3: v = old - 1; break;
    case 4: v = ~std::uint64_t{0}; break;               // all ones: -1, or the largest unsigned
    case 5: v = mask >> 1; break;                       // the largest signed
    case 6: v = old ^ (std::uint64_t{1} << (rng() % bits)); break;
    case 7: v = old + (rng() % 64) - 32; break;
    case 8: v = old * 2; break;
    default: v = random64(rng); break;
  }
  return v & mask;
}

void mutate_bytes(std::string& bytes, Rng& rng) {
  const std::size_t n = bytes.size();
  std::vector<std::size_t> sizes;
  for (std::size_t r : kRecordSizes)
    if (n >= r && n % r == 0) sizes.push_back(r);
  const unsigned choice = rng() % 4;
  if (choice == 0 && !sizes.empty()) {
    // Remove or repeat one record.
    const std::size_t r = sizes[rng() % sizes.size()];
    const std::size_t at = (rng() % (n / r)) * r;
    if (rng() % 2) bytes.erase(at, r);
    else bytes.insert(at, bytes.substr(at, r));
    return;
  }
  if (choice == 1 && n >= 4) {
    // A telling number at an aligned offset.
    const unsigned width = n >= 8 && rng() % 2 ? 8 : 4;
    const std::size_t at = (rng() % (n / width)) * width;
    std::uint64_t old = 0;
    std::memcpy(&old, bytes.data() + at, width);
    const std::uint64_t v = interesting_integer(old, width * 8, rng);
    std::memcpy(bytes.data() + at, &v, width);
    return;
  }
  if (n == 0) {
    bytes.assign(1 + rng() % 16, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    return;
  }
  bytes.resize(n * 2 + 64);
  const std::size_t size = LLVMFuzzerMutate(reinterpret_cast<std::uint8_t*>(bytes.data()), n, bytes.size());
  bytes.resize(size);
}

bool mutate_one_field(capnp::DynamicStruct::Builder root, Rng& rng) { return mutate_struct(root, rng, 0); }

}  // namespace pwfuzz
