// Type names, as the assembler's `is` operand and error messages spell them.
#include "value.h"

#include <array>

namespace pw {
namespace {
constexpr std::array<std::string_view, kValueTypeCount> kTypeNames = {
    "nil", "bool", "int", "float", "symbol", "function", "string", "pair", "array", "closure"};
}

// Total, because type bytes also come from trace files.
std::string_view type_name(ValueType t) {
  const auto i = static_cast<std::size_t>(t);
  return i < kTypeNames.size() ? kTypeNames[i] : std::string_view("unknown type");
}

std::optional<ValueType> type_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kTypeNames.size(); ++i)
    if (kTypeNames[i] == name) return static_cast<ValueType>(i);
  return std::nullopt;
}

}  // namespace pw
