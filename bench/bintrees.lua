-- bintrees.lua -- benchmark: allocation-heavy recursion. Prints 14723759.
-- A node is {left, right}; a leaf is {}.
local function make(d)
  if d == 0 then return {} end
  d = d - 1
  return {make(d), make(d)}
end

local function check(t)
  local left = t[1]
  if left then return 1 + check(left) + check(t[2]) end
  return 1
end

local long = make(16)
local total = 0
for d = 4, 16, 2 do
  for _ = 1, 1 << (20 - d) do
    total = total + check(make(d))
  end
end
total = total + check(long)
print(total)
