-- loop.lua -- benchmark: the interpreter loop. Prints 299999997.
local s = 0
for i = 1, 100000000 do
  s = s + i % 7
end
print(s)
