// pwvm_fuzz_seeds DIR: writes the fuzz harnesses' seed corpora and dictionaries into DIR,
// made from the project's own files at the time it runs, so they follow the examples, the
// committed traces and the formats as they change:
//   DIR/program/        examples/*.pwa and tests/programs/*.pwa
//   DIR/trace_reader/   traces/*.pwtrace, and the examples recorded now with short snapshot
//   DIR/trace_records/    and chunk intervals (many records in a few kilobytes)
//   DIR/expression/     expressions over the two programs fuzz_expression reads them against
//   DIR/state_image/    snapshots of the examples at a few steps, and those of traces/
//   DIR/program.dict, DIR/expression.dict   the words of each language, for -dict=
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <capnp/message.h>
#include <capnp/serialize.h>

#include "assembler.h"
#include "fuzz_support.h"
#include "host.h"
#include "interpreter.h"
#include "opcodes.h"
#include "recorder.h"
#include "state_image.h"
#include "trace.capnp.h"
#include "trace_codec.h"
#include "trace_reader.h"
#include "value.h"

namespace fs = std::filesystem;

namespace {

void write(const fs::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::vector<fs::path> programs_in(const char* dir) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".pwa") files.push_back(e.path());
  return files;
}

void program_seeds(const fs::path& dir) {
  for (const auto& path : pwfuzz::example_files()) fs::copy_file(path, dir / path.filename(), fs::copy_options::overwrite_existing);
  for (const auto& path : programs_in(PROGRAMS_DIR))
    fs::copy_file(path, dir / path.filename(), fs::copy_options::overwrite_existing);
}

void trace_seeds(const fs::path& dir) {
  for (const auto& path : pwfuzz::trace_files()) fs::copy_file(path, dir / path.filename(), fs::copy_options::overwrite_existing);
  for (const auto& path : pwfuzz::example_files()) {
    pw::ScriptedHost host;
    pwfuzz::feed(host);
    pw::VmConfig config;
    config.capabilities = pw::kCapIo | pw::kCapClock | pw::kCapRandom;
    pw::VmState vm(pw::load_program(path.string()), config, &host);
    pw::trace::RecordOptions options;
    options.path = (dir / path.stem()).string() + "-short.pwtrace";
    options.snapshot_interval = 1000;
    options.steps_per_live_object = 0;
    options.chunk_steps = 500;
    options.stop_at = 4000;
    options.recorder_name = "pwvm_fuzz_seeds";
    pw::trace::record_run(vm, options);
  }
}

void expression_seeds(const fs::path& dir) {
  // Over inventory.pwa and strings.pwa (names a program lacks are refused, which is fine).
  const char* expressions[] = {
      "stock",          "stock[6]",          "reorder_qty[6]",           "names[0] == 'widget",
      "ledger.car.cdr", "ledger.cdr.car",    "prices[stock[0] % 7]",     "revenue - expenses * 2 / 3",
      "revenue / 0",    "restock::item",     "purchase_cost::qty + 1",   "::seed",
      "$stack[-1]",     "$stack[0]",         "$step > 100 && $depth > 3", "seed % 7 == 3 || !filled",
      "names.length",   "(stock)[-1]",       "9223372036854775807 + 1",  "-9223372036854775808 / -1",
      "1.5 * 2.5e-3",   "0x1F <= 31",        "\"abc\"[1]",               "\"a\\tb\\x00\".length",
      "count::s",       "count::s[0]",       "count::n >= 2",            "digit_sum::sum",
      "join_numbers::out == \"1,2,3\"",       "nil == false",             "true != ::nil",
      "$sp - $depth",   "items [ 0 ] . car", "a < b < c",                "stock[",
  };
  int n = 0;
  for (const char* e : expressions) write(dir / ("expression-" + std::to_string(n++)), e);
}

void lisp_seeds(const fs::path& dir) {
  // Every kind of datum, comment and shorthand, and some of the ways a text is malformed.
  const char* programs[] = {
      "(define (fib n)\n  (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))\n(display (fib 20))\n",
      "(define counter\n  (let ((n 0))\n    (lambda () (set! n (+ n 1)) n)))\n",
      "; comment\n#| block #| nested |# |# #;(skipped datum) '(a b . c) `(1 ,x ,@ys) #(1 2.5 \"s\\n\")",
      "(let loop ((i 0) (acc '()))\n  (if (= i 10) (reverse acc) (loop (+ i 1) (cons i acc))))",
      "[cond [(null? xs) #t] [else #false]] -9223372036854775808 1e-3 .5 -.5 +7",
      "(define s \"a\\x41\\t\\\"q\\\"\")",
      "(unclosed (list", "(a . b c)", "#(a . b)", "\"open string", "#x1F", "99999999999999999999", ")",
  };
  int n = 0;
  for (const char* p : programs) write(dir / ("lisp-" + std::to_string(n++)), p);
}

std::string snapshot_seed(std::size_t program, const pw::StateImage& image) {
  capnp::MallocMessageBuilder message;
  pw::trace::write_snapshot(message.initRoot<pw::trace::Snapshot>(), image, pw::image_hash(image));
  const auto words = capnp::messageToFlatArray(message);
    const auto bytes = words.asBytes();
  std::string out(1, static_cast<char>(program));
  out.append(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
  return out;
}

void state_image_seeds(const fs::path& dir) {
  const auto& programs = pwfuzz::example_programs();
  const auto files = pwfuzz::example_files();
  for (std::size_t i = 0; i < programs.size(); ++i) {
    pw::ScriptedHost host;
    pwfuzz::feed(host);
    pw::VmState vm(programs[i], pwfuzz::small_config(), &host);
    std::uint64_t done = 0;
    for (const std::uint64_t at : {0, 50, 500, 3000}) {
      pw::run(vm, at - done);
      done = at;
      write(dir / (files[i].stem().string() + "-step" + std::to_string(vm.step) + ".snapshot"),
            snapshot_seed(i, pw::capture_state(vm)));
      if (vm.status != pw::RunStatus::Paused && vm.status != pw::RunStatus::Ready) break;
    }
  }
  // The committed traces' snapshots, under the example whose code they hold.
  for (const auto& path : pwfuzz::trace_files()) {
    pw::trace::TraceReader reader(path.string());
    for (std::size_t i = 0; i < programs.size(); ++i) {
      if (!pw::same_code(*programs[i], *reader.header().program)) continue;
      for (std::size_t s = 0; s < reader.snapshots().size(); ++s)
        write(dir / (path.stem().string() + "-snapshot" + std::to_string(s) + ".snapshot"),
              snapshot_seed(i, reader.read_snapshot(s).image));
    }
  }
}

std::string dict_entry(std::string_view word) {
  std::string out = "\"";
  for (char c : word) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02X", static_cast<unsigned>(c));
      out += hex;
    } else {
      out += c;
    }
  }
  return out + "\"\n";
}

void dictionaries(const fs::path& dir) {
  std::set<std::string> words = {"func", "end", "local", "global", "entry", "captures", "nil", "true", "false",
                                 "(", ")", ",", ":", "=", ";", "\"", "\\x", "'", "\n", "-9223372036854775808", "0x"};
  for (int op = 0; op < pw::kOpCount; ++op) words.emplace(pw::op_info(static_cast<pw::Op>(op)).mnemonic);
  for (int fn = 0; fn < pw::kHostFnCount; ++fn) words.emplace(pw::host_fn_info(static_cast<pw::HostFn>(fn)).name);
  for (int type = 0; type < pw::kValueTypeCount; ++type) words.emplace(pw::type_name(static_cast<pw::ValueType>(type)));
  std::string program_dict;
  for (const auto& w : words) program_dict += dict_entry(w);
  write(dir / "program.dict", program_dict);

  std::set<std::string> names = {"$stack", "$step", "$depth", "$sp", "::", ".car", ".cdr", ".length", "[", "]", "==",
                                 "!=", "<=", ">=", "&&", "||", "nil", "true", "false", "\"", "'", "0x", "e-3"};
  for (const char* example : {"inventory.pwa", "strings.pwa"}) {
    const auto program = pw::load_program(std::string(EXAMPLES_DIR) + "/" + example);
    for (const auto& g : program->globals) names.insert(g);
    for (const auto& s : program->symbols) names.insert("'" + s);
    for (const auto& f : program->functions) {
      names.insert(f.name + "::");
      for (const auto& l : f.locals) names.insert(l);
    }
  }
  std::string expression_dict;
  for (const auto& w : names) expression_dict += dict_entry(w);
  write(dir / "expression.dict", expression_dict);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: pwvm_fuzz_seeds DIR\n");
    return 2;
  }
  try {
    const fs::path root = argv[1];
    for (const char* name : {"program", "trace_reader", "trace_records", "expression", "state_image", "lisp"})
      fs::create_directories(root / name);
    program_seeds(root / "program");
    trace_seeds(root / "trace_reader");
    for (const auto& e : fs::directory_iterator(root / "trace_reader"))
      fs::copy_file(e.path(), root / "trace_records" / e.path().filename(), fs::copy_options::overwrite_existing);
    expression_seeds(root / "expression");
    state_image_seeds(root / "state_image");
    lisp_seeds(root / "lisp");
    dictionaries(root);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pwvm_fuzz_seeds: %s\n", e.what());
    return 1;
  }
  return 0;
}
