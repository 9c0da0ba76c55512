-- alloc.lua -- benchmark: allocation and the collector. Prints 10001000000.
-- 200 times: build a list of 10,000 cells {i, rest}, walk it summing the i.
local total = 0
for _ = 1, 200 do
  local list = nil
  for i = 1, 10000 do
    list = {i, list}
  end
  local s = 0
  while list do
    s = s + list[1]
    list = list[2]
  end
  total = total + s
end
print(total)
