# The Physics World VM trace format, version 1.6.
#
# A trace file is:
#   8 bytes   magic "PWTRACE\n"
#   frames    each: a 16-byte frame header, then its payload (see frame_format.h):
#               u32 payload length, u8 record kind, u8 codec (1 = zstd), u16 reserved (0),
#               u64 XXH3-64 of the payload bytes as stored
#             The payload is a zstd frame holding one Cap'n Proto message (unpacked,
#             standard segment framing) whose root is the struct named by the record kind.
#   trailer   16 bytes: u64 file offset of the Index frame, then "PWTREND\n"
# All integers in headers and packed blobs are little-endian.
#
# Record kinds and order: Header (1) first; then EventChunk (2) and Snapshot (3) frames in
# step order; then Outcome (4) and Index (5). The first snapshot is the state at step 0,
# except in a windowed recording (Header.historyLimit > 0), which keeps only the end of the
# run: its first snapshot may be at any step, and its chunks run on from there without a
# gap. A writer that is killed leaves a file that
# ends anywhere: readers must rebuild the index by scanning frames and stop at the first
# frame that is incomplete or fails its checksum.
#
# Compatibility: formatMajor changes only when an old reader could not read a new file;
# readers refuse a newer major version. New fields are added at the end of structs with
# defaults that mean "absent" (a minor version bump); readers ignore unknown fields.
# Consumers must treat every field as untrusted: check indices and sizes before use.

@0xc6c6eef17d4539ed;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("pw::trace");

# ---- header ---------------------------------------------------------------------------

struct Header {
  magic @0 :Text;              # always "pwtrace"
  formatMajor @1 :UInt16;      # 1
  formatMinor @2 :UInt16;      # 6 (1.1 added Outcome.signal, 1.2 Snapshot.edited, 1.3 left
                               # EventChunk.profile empty, 1.4 historyLimit, 1.5 derivedEvents,
                               # 1.6 debug information: columns, source names and variables)
  recorder @3 :Text;           # the program that wrote the file, e.g. "pwvm 0.1.0"
  program @4 :Program;         # the program itself: the trace needs nothing else to replay
  config @5 :VmConfig;         # limits and GC settings of the run (they shape its behaviour)
  capabilities @6 :Text;       # granted host capabilities, e.g. "io,random"
  args @7 :List(Text);         # the program's arguments (what host args returned)
  startTimeUnixNs @8 :Int64;   # wall-clock start of the run; informational only
  hostName @9 :Text;           # machine that recorded; informational only
  hostSystem @10 :Text;        # e.g. "Linux 6.1 x86_64"; informational only
  snapshotInterval @11 :UInt64;  # steps between snapshots (0: only the final one)
  chunkSteps @12 :UInt64;      # at most this many steps per event chunk
  firstDynamicId @13 :UInt64;  # id of the first object allocated by the program (ids before
                               # it are the string constants, allocated before step 0)
  snapshotStepsPerLiveObject @14 :UInt64;
                               # after a snapshot, the next comes at least this many steps
                               # per live object later (0: exactly every snapshotInterval)
  historyLimit @15 :UInt64;    # 1.4: the recorder kept only about the last this many steps of
                               # the run (at least this many, from a snapshot on); 0: the whole
                               # run, whose first snapshot must be at step 0
  derivedEvents @16 :Bool;     # 1.5: calls, tail calls, returns and allocations are not in
                               # the chunks' events: they follow from the program and the
                               # recorded inputs, and a replay makes them again. Each chunk
                               # counts them instead (EventChunk.derived*), and a replay must
                               # make exactly as many. false: every event is recorded
}

struct Program {
  sourceName @0 :Text;         # the file it was assembled from (compiled: the source file)
  source @1 :Text;             # its text, for listings; replay uses the bytecode below
  hash @2 :UInt64;             # XXH3-64 of the program's disassembly: identifies the program
  functions @3 :List(Function);
  constants @4 :List(Constant);
  symbols @5 :List(Text);
  globals @6 :List(Text);
  globalInits @7 :List(Int32); # per global: constant index of its initial value, -1 for nil
  entry @8 :UInt32;            # index of the entry function
  compiled @9 :Bool;           # 1.6: assembled from a compiler's output: sourceName, source,
                               # lines and columns describe the original source file, not the
                               # .pwa text; false in older traces
}

struct Function {
  name @0 :Text;
  arity @1 :UInt32;
  locals @2 :List(Text);       # parameters first
  captures @3 :List(Text);
  code @4 :Data;               # 8 bytes per instruction: u8 op, u8 0, u16 a, i32 b (opcodes.def)
  lines @5 :List(UInt32);      # source line of each instruction
  line @6 :UInt32;             # line of the function header
  labelIps @7 :List(UInt32);   # instruction indices that carry a label ...
  labelNames @8 :List(Text);   # ... and the labels' names, in the same order
  columns @9 :List(UInt32);    # 1.6: source column of each instruction, 0 unknown; empty in
                               # older traces (read as all 0), else one per instruction
  sourceName @10 :Text;        # 1.6: the name in the source language; empty: the same as name
  vars @11 :List(SourceVar);   # 1.6: source-level variables; empty: no scope information
  rest @12 :Bool;              # 1.6: the last parameter takes the arguments past the others
                               # as a list (a dynamic call may pass arity - 1 or more)
}

# 1.6: a variable of the source language, held in a local or a capture of its function.
struct SourceVar {
  slot @0 :Slot;
  index @1 :UInt32;            # index in the function's locals or captures, by slot
  name @2 :Text;               # the variable's name in the source
  begin @3 :UInt32;            # in scope for instruction indices begin <= ip < end,
  end @4 :UInt32;              # with begin <= end <= the function's instruction count
  boxed @5 :Bool;              # the slot holds a box: a pair whose car is the value
  enum Slot {
    local @0;
    capture @1;
  }
}

struct Constant {
  union {
    int @0 :Int64;
    float @1 :Float64;
    string @2 :Data;           # bytes, not necessarily UTF-8
    symbol @3 :UInt32;         # index in Program.symbols
    bool @4 :Bool;             # only as a global's initial value
    nil @5 :Void;              # only as a global's initial value
  }
}

struct VmConfig {
  maxSteps @0 :UInt64;
  maxStack @1 :UInt32;         # value stack slots
  maxDepth @2 :UInt32;         # call frames
  maxHeap @3 :UInt64;          # live heap bytes
  maxOutput @4 :UInt64;        # bytes printed
  gcEnabled @5 :Bool;
  gcStress @6 :Bool;
  gcMinThreshold @7 :UInt64;   # bytes allocated before the first collection
}

# ---- events -----------------------------------------------------------------------------

# A chunk holds every event whose step s has fromStep <= s < toStep, and how often each
# instruction ran in those steps. The step of an event is the number of instructions that
# had completed before the instruction that caused it.
struct EventChunk {
  index @0 :UInt32;            # 0, 1, 2... in file order
  fromStep @1 :UInt64;
  toStep @2 :UInt64;
  eventCount @3 :UInt32;
  startDepth @4 :UInt32;       # call depth at fromStep (so readers can track depth)
  firstAllocId @5 :UInt64;     # id the chunk's first allocation gets (ids count up by one)
  events @6 :Data;             # the events, encoded as below
  profile @7 :List(InstructionCount);  # executed instructions, non-zero counts only; empty
                               # from 1.3 on (replay recomputes it)
  outputBytes @8 :UInt64;      # program output before fromStep (offset of this chunk's output)
  derivedCalls @9 :UInt64;     # 1.5, with Header.derivedEvents: the calls, tail calls,
  derivedTailCalls @10 :UInt64;  # returns and allocations the run made in this chunk's steps,
  derivedReturns @11 :UInt64;  # which its events leave out
  derivedAllocs @12 :UInt64;
}

# Each event is a varint header (stepDelta << 4 | kind), then its fields. stepDelta is the
# event's step minus the previous event's step (minus fromStep for the first). Varints are
# LEB128, unsigned; "zigzag" marks signed varints. Kinds:
#   0 call       fn                                  a frame was pushed for function fn
#   1 return                                         the top frame returned
#   2 tailcall   fn                                  the top frame now runs fn
#   3 alloc      kind(u8) bytes fn ip                object of ValueType kind, size in bytes,
#                                                    allocated at instruction ip of fn
#   4 gc         trigger(u8) objectsBefore bytesBefore objectsAfter bytesAfter pauseNs
#                                                    trigger: 0 threshold, 1 stress, 2 heap limit
#   5 throw      fn ip type(u8)                      a value of ValueType type was thrown
#   6 catch      fn ip depth                         caught by the handler at ip of fn,
#                                                    whose frame is at depth
#   7 host       hostFn(u8) result                   a host call returned; result is a tag
#                                                    byte then: 0 nil; 1 int (zigzag);
#                                                    2 string (length, bytes); 3 list of
#                                                    strings (count, then each as length, bytes)
#   8 output     length bytes                        the program wrote these bytes
struct InstructionCount {
  instruction @0 :UInt32;      # flat index: functions' code laid end to end in order
  count @1 :UInt64;
}

# ---- snapshots ----------------------------------------------------------------------------

# The complete VM state after `step` instructions (runtime/state_image.h). Large arrays are
# packed little-endian records, described per field.
struct Snapshot {
  step @0 :UInt64;
  hash @1 :UInt64;             # canonical state hash (image_hash): replay checks it
  status @2 :UInt8;            # 0 ready, 1 paused, 2 halted, 3 failed
  nextFrameId @3 :UInt64;
  stack @4 :Data;              # values, 16 bytes each: u64 type, i64 payload (int, double
                               # bits, symbol, function, or object id for references)
  frames @5 :Data;             # 40 bytes each: u64 id, u64 base, u64 resultSlot, u64 closure
                               # object id (0 none), u32 fn, u32 ip
  globals @6 :Data;            # values, as stack
  handlers @7 :Data;           # 12 bytes each: u32 frame, u32 target ip, u32 stack height
  objects @8 :Data;            # live objects in id order, 24 bytes each: u64 id, u32 kind,
                               # u32 fn (closures), u32 first, u32 count (into slots, or
                               # into bytes for strings)
  slots @9 :Data;              # values, as stack: pair car+cdr, array items, captures
  bytes @10 :Data;             # string contents
  gc @11 :GcCounters;
  output @12 :Data;            # everything printed so far
  result @13 :Data;            # one value, as stack (nil unless halted)
  error @14 :Error;            # the failure, when status is 3 (failed); absent otherwise
  edited @15 :Bool;            # 1.2: the state was changed from outside the program at this
                               # step (a debugger's setVariable): replay restores it, not checks it
  packed @16 :Data;            # 1.5: stack, globals, objects and slots in their compact form
                               # (recorder/snapshot_packing.h; then those four are empty):
                               # varints: stack count, globals count, objects count, slots
                               # count; the
                               # stack's and the globals' values; then each object: varint id
                               # minus the previous object's id (the first: its id), u8 kind,
                               # varint fn (closures only), varint count, then (but for
                               # strings, whose bytes are in `bytes` one after another) its
                               # count slots. A value is u8 type, then for a float its 8 bytes,
                               # for a string, pair, array or closure zigzag(id - holder) where
                               # holder is the id of the object whose slot it is (0 on the
                               # stack and in globals), else zigzag(payload). An object's
                               # first slot or byte follows the previous object's.
}

struct GcCounters {
  collections @0 :UInt64;
  objectsAllocated @1 :UInt64;
  bytesAllocated @2 :UInt64;
  objectsFreed @3 :UInt64;
  bytesFreed @4 :UInt64;
  liveObjects @5 :UInt64;
  liveBytes @6 :UInt64;
  peakLiveBytes @7 :UInt64;
  nextId @8 :UInt64;
  threshold @9 :UInt64;
  bytesSinceCollection @10 :UInt64;
}

# ---- the end ------------------------------------------------------------------------------

struct Outcome {
  steps @0 :UInt64;            # instructions executed
  status @1 :Status;
  result @2 :Text;             # the halt value as print shows it (halted only): its first
                               # 4096 bytes, then "... (N bytes in all)", when longer
  error @3 :Error;             # the failure (failed only)
  finalHash @4 :UInt64;        # canonical hash of the final state
  outputBytes @5 :UInt64;      # total bytes printed
  signal @6 :UInt32;           # added in 1.1: the signal that interrupted the run (status
                               # stopped, e.g. 2 SIGINT, 15 SIGTERM); 0: none, or a 1.0 trace
  enum Status {
    halted @0;
    failed @1;
    stopped @2;                # recording ended before the program did: --stop-at, or a
                               # signal (then signal says which; the trace is complete)
  }
}

struct Error {
  kind @0 :Text;               # an ErrorKind name, e.g. "TypeError"
  message @1 :Text;
  function @2 :Text;
  ip @3 :UInt32;
  file @4 :Text;
  line @5 :UInt32;
  sourceLine @6 :Text;
  callStack @7 :List(FrameInfo);  # innermost first
  stackSize @8 :UInt64;
  heapObjects @9 :UInt64;
  heapBytes @10 :UInt64;
  callDepth @11 :UInt64;
  step @12 :UInt64;
  column @13 :UInt32;          # 1.6: source column of the failing instruction in a compiled
                               # program; 0: unknown, hand-written .pwa, or an older trace
}

struct FrameInfo {
  function @0 :Text;
  ip @1 :UInt32;
  line @2 :UInt32;
  column @3 :UInt32;           # 1.6: as Error.column
}

# Written last: where everything is. A file without it (a killed writer) is indexed by
# scanning.
struct Index {
  chunks @0 :List(ChunkEntry);
  snapshots @1 :List(SnapshotEntry);
  outcomeOffset @2 :UInt64;    # file offset of the Outcome frame
}

struct ChunkEntry {
  fromStep @0 :UInt64;
  toStep @1 :UInt64;
  offset @2 :UInt64;           # file offset of the frame header
  eventCount @3 :UInt32;
}

struct SnapshotEntry {
  step @0 :UInt64;
  offset @1 :UInt64;
  hash @2 :UInt64;
  edited @3 :Bool;             # 1.2: as Snapshot.edited
}
