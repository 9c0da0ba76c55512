// Completion scripts and man pages from a CLI11 definition (cli_docs.h).
#include "cli_docs.h"

#include <algorithm>
#include <cctype>
#include <vector>

#include <fmt/format.h>

namespace pwtools {
namespace {

// What the generators need of one option or positional argument.
struct OptionDoc {
  std::vector<std::string> names;  // "-q", "--quiet"; empty for a positional
  std::string positional;          // its name, for a positional
  std::string description;
  std::string value;  // the value's name ("FILE", "N"); empty for a flag
  bool file = false;  // the value (or the positional) is a file name
  bool many = false;  // a positional that takes several words
};

struct CommandDoc {
  std::string name;
  std::string description;
  std::vector<OptionDoc> options;      // those shown by --help, in its order
  std::vector<OptionDoc> positionals;
};

bool mentions_file(const std::string& text) {
  std::string lower = text;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower.find("file") != std::string::npos;
}

std::vector<OptionDoc> options_of(const CLI::App& app, bool positional) {
  std::vector<OptionDoc> out;
  for (const CLI::Option* opt : app.get_options()) {
    if (opt->get_group().empty()) continue;  // hidden
    if (opt->get_positional() != positional) continue;
    OptionDoc d;
    d.description = opt->get_description();
    if (positional) {
      d.positional = opt->get_name(true);
      d.file = true;  // what a shell offers by default for an argument
      d.many = opt->get_items_expected_max() > 1;
    } else {
      for (const std::string& s : opt->get_snames()) d.names.push_back("-" + s);
      for (const std::string& l : opt->get_lnames()) d.names.push_back("--" + l);
      if (opt->get_items_expected_max() > 0) {  // a flag expects none
        d.value = opt->get_type_name();
        d.value = d.value.substr(0, d.value.find(':'));  // "UINT:POSITIVE": the checks are --help's business
        if (d.value.empty()) d.value = "VALUE";
        d.file = d.value == "FILE" || d.value == "TRACE" || d.value == "PATH" || (d.value == "TEXT" && mentions_file(d.description));
      }
    }
    out.push_back(std::move(d));
  }
  return out;
}

CommandDoc command_doc(const CLI::App& app) {
  return {app.get_name(), app.get_description(), options_of(app, false), options_of(app, true)};
}

std::vector<CommandDoc> subcommands_of(const CLI::App& app) {
  std::vector<CommandDoc> out;
  for (const CLI::App* sub : app.get_subcommands({}))
    if (!sub->get_group().empty()) out.push_back(command_doc(*sub));
  return out;
}

std::string join(const std::vector<std::string>& words, const std::string& sep = " ") {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : sep) + w;
  return out;
}

// A shell function name for [tool] (pwvm -> _pwvm).
std::string function_name(const std::string& tool) {
  std::string f = "_" + tool;
  for (char& c : f)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return f;
}

// ---- bash ---------------------------------------------------------------------------

std::string bash_command_case(const CommandDoc& c) {
  std::vector<std::string> all, file_values, other_values;
  for (const OptionDoc& o : c.options)
    for (const std::string& n : o.names) {
      all.push_back(n);
      if (!o.value.empty()) (o.file ? file_values : other_values).push_back(n);
    }
  std::string s = fmt::format("    {})\n", c.name);
  s += "      case \"$prev\" in\n";
  if (!file_values.empty()) s += fmt::format("        {}) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n", join(file_values, "|"));
  if (!other_values.empty()) s += fmt::format("        {}) return ;;\n", join(other_values, "|"));
  s += "      esac\n";
  s += fmt::format("      if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W '{}' -- \"$cur\"))\n", join(all));
  s += c.positionals.empty() ? "      fi\n" : "      else COMPREPLY=($(compgen -f -- \"$cur\")); fi\n";
  s += "      ;;\n";
  return s;
}

// ---- zsh ----------------------------------------------------------------------------

// [text] inside single quotes, and inside _arguments' [description] (brackets and colons
// are its syntax).
std::string zsh_description(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\'') out += "'\\''";
    else if (c == '[' || c == ']' || c == ':' || c == '\\') out += std::string("\\") + c;
    else out += c;
  }
  return out;
}

std::string zsh_option_specs(const CommandDoc& c, const std::string& indent) {
  std::string s;
  for (const OptionDoc& o : c.options) {
    for (const std::string& n : o.names) {
      s += fmt::format("{}'{}[{}]", indent, n, zsh_description(o.description));
      if (!o.value.empty()) s += fmt::format(":{}:{}", zsh_description(o.value), o.file ? "_files" : " ");
      s += "' \\\n";
    }
  }
  for (std::size_t i = 0; i < c.positionals.size(); ++i) {
    const OptionDoc& p = c.positionals[i];
    s += fmt::format("{}'{}:{}:_files' \\\n", indent, p.many ? "*" : std::to_string(i + 1), zsh_description(p.positional));
  }
  return s;
}

// ---- roff ---------------------------------------------------------------------------

// [text] as roff text: backslashes escaped, a leading dot or quote made literal.
std::string roff(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') out += "\\e";
    else out += c;
  }
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out.insert(0, "\\&");
  return out;
}

// An option name or a command line in bold, its hyphens as minus signs (what people copy).
std::string roff_literal(const std::string& text) {
  std::string out;
  for (char c : roff(text)) {
    if (c == '-') out += "\\-";
    else out += c;
  }
  return out;
}

std::string synopsis_of(const std::string& tool, const CommandDoc& c) {
  std::string s = fmt::format(".B {} {}\n", roff_literal(tool), roff_literal(c.name));
  if (!c.options.empty()) s += ".RI [ options ]\n";
  for (const OptionDoc& p : c.positionals) s += fmt::format(".I {}{}\n", roff(p.positional), p.many ? " ..." : "");
  return s;
}

std::string man_options(const std::vector<OptionDoc>& options) {
  std::string s;
  for (const OptionDoc& o : options) {
    std::vector<std::string> names;
    for (const std::string& n : o.names) names.push_back("\\fB" + roff_literal(n) + "\\fR");
    s += ".TP\n" + join(names, ", ");
    if (!o.value.empty()) s += " \\fI" + roff(o.value) + "\\fR";
    s += "\n" + roff(o.description) + "\n";
  }
  return s;
}

}  // namespace

std::string bash_completion(const CLI::App& app, const std::string& tool) {
  const std::vector<CommandDoc> commands = subcommands_of(app);
  std::vector<std::string> names{"help"};
  for (const CommandDoc& c : commands) names.push_back(c.name);
  std::vector<std::string> global;
  for (const OptionDoc& o : options_of(app, false)) global.insert(global.end(), o.names.begin(), o.names.end());
  const std::string f = function_name(tool);
  std::string s = fmt::format("# bash completion for {}: generated from {}'s command line by `{} --generate-completion bash`.\n",
                              tool, tool, tool);
  s += fmt::format("{}() {{\n", f);
  s += "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} command= i\n";
  s += "  for ((i = 1; i < COMP_CWORD; i++)); do\n";
  s += "    if [[ ${COMP_WORDS[i]} != -* ]]; then command=${COMP_WORDS[i]}; break; fi\n";
  s += "  done\n";
  s += "  COMPREPLY=()\n";
  s += "  case $command in\n";
  s += "    '')\n";
  s += fmt::format("      if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W '{}' -- \"$cur\"))\n", join(global));
  s += fmt::format("      else COMPREPLY=($(compgen -W '{}' -- \"$cur\")); fi\n", join(names));
  s += "      ;;\n";
  s += "    help)\n";
  s += fmt::format("      [[ $COMP_CWORD -eq $((i + 1)) ]] && COMPREPLY=($(compgen -W '{}' -- \"$cur\"))\n", join(names));
  s += "      ;;\n";
  for (const CommandDoc& c : commands) s += bash_command_case(c);
  s += "  esac\n";
  s += "  return 0\n";
  s += "}\n";
  s += fmt::format("complete -o filenames -F {} {}\n", f, tool);
  return s;
}

std::string zsh_completion(const CLI::App& app, const std::string& tool) {
  const std::vector<CommandDoc> commands = subcommands_of(app);
  const std::string f = function_name(tool);
  std::string s = fmt::format("#compdef {}\n", tool);
  s += fmt::format("# zsh completion for {}: generated from {}'s command line by `{} --generate-completion zsh`.\n", tool,
                   tool, tool);
  s += fmt::format("{}() {{\n", f);
  s += "  local curcontext=$curcontext state line ret=1\n";
  s += "  typeset -A opt_args\n";
  s += "  _arguments -C \\\n";
  s += zsh_option_specs({"", "", options_of(app, false), {}}, "    ");
  s += "    '1: :->command' \\\n";
  s += "    '*:: :->argument' && ret=0\n";
  s += "  case $state in\n";
  s += "    command)\n";
  s += "      local -a commands\n";
  s += "      commands=(\n";
  s += "        'help:Print the help of a command'\n";
  for (const CommandDoc& c : commands) {
    std::string d;
    for (char ch : c.description) {
      if (ch == '\'') d += "'\\''";
      else if (ch == ':') d += "\\:";
      else d += ch;
    }
    s += fmt::format("        '{}:{}'\n", c.name, d);
  }
  s += "      )\n";
  s += fmt::format("      _describe -t commands '{} command' commands && ret=0\n", tool);
  s += "      ;;\n";
  s += "    argument)\n";
  s += "      curcontext=${curcontext%:*:*}:" + tool + "-$line[1]:\n";
  s += "      case $line[1] in\n";
  std::vector<std::string> names;
  for (const CommandDoc& c : commands) names.push_back(c.name);
  s += fmt::format("        help) _values 'command' {} && ret=0 ;;\n", join(names));
  for (const CommandDoc& c : commands) {
    s += fmt::format("        {})\n", c.name);
    s += "          _arguments \\\n";
    s += zsh_option_specs(c, "            ");
    s += "            && ret=0\n";
    s += "          ;;\n";
  }
  s += "      esac\n";
  s += "      ;;\n";
  s += "  esac\n";
  s += "  return ret\n";
  s += "}\n";
  s += fmt::format("{} \"$@\"\n", f);
  return s;
}

std::string man_page(const CLI::App& app, const std::string& tool, const std::string& version,
                     const std::string& see_also) {
  const std::vector<CommandDoc> commands = subcommands_of(app);
  std::string upper = tool;
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
  // The app's description reads "pwvm: what it does"; NAME wants "pwvm \- what it does".
  std::string summary = app.get_description();
  if (summary.rfind(tool + ": ", 0) == 0) summary.erase(0, tool.size() + 2);
  std::string s = fmt::format(".\\\" Generated from {}'s command line by `{} --generate-man`.\n", tool, tool);
  s += fmt::format(".TH {} 1 \"\" \"{}\" \"User Commands\"\n", roff(upper), roff(version));
  s += ".SH NAME\n" + roff_literal(tool) + " \\- " + roff(summary) + "\n";
  s += ".SH SYNOPSIS\n";
  s += fmt::format(".B {}\n.I command\n.RI [ options ]\n.RI [ arguments ]\n.br\n", roff_literal(tool));
  s += fmt::format(".B {} help\n.RI [ command ]\n", roff_literal(tool));
  std::string sentence = summary;
  if (!sentence.empty()) sentence[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(sentence[0])));
  s += ".SH DESCRIPTION\n" + roff(sentence) + ".\n";
  s += fmt::format("Each command prints its options with \\fB{} \\fIcommand\\fB \\-\\-help\\fR.\n", roff_literal(tool));
  s += ".SH OPTIONS\n" + man_options(options_of(app, false));
  s += ".SH COMMANDS\n";
  for (const CommandDoc& c : commands) {
    s += fmt::format(".SS {}\n", roff_literal(c.name));
    s += synopsis_of(tool, c);
    s += ".PP\n" + roff(c.description) + ".\n";
    if (!c.positionals.empty()) {
      s += ".PP\nArguments:\n";
      for (const OptionDoc& p : c.positionals)
        s += fmt::format(".TP\n\\fI{}\\fR\n{}\n", roff(p.positional), roff(p.description));
    }
    if (!c.options.empty()) s += ".PP\nOptions:\n" + man_options(c.options);
  }
  const std::string footer = app.get_footer();
  if (!footer.empty()) {
    s += ".SH EXIT STATUS\n";
    for (std::size_t at = 0; at < footer.size();) {
      std::size_t nl = footer.find('\n', at);
      if (nl == std::string::npos) nl = footer.size();
      const std::string line = footer.substr(at, nl - at);
      at = nl + 1;
      // "  2  bad input: ...": the status, then what it means.
      const std::size_t code = line.find_first_not_of(' ');
      const std::size_t gap = line.find("  ", code);
      if (code == 0 || code == std::string::npos || gap == std::string::npos) continue;  // the heading
      s += fmt::format(".TP\n.B {}\n{}\n", roff(line.substr(code, gap - code)),
                       roff(line.substr(line.find_first_not_of(' ', gap))));
    }
  }
  if (!see_also.empty()) s += ".SH SEE ALSO\n" + see_also + "\n";
  return s;
}

}  // namespace pwtools
