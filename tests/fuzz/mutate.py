#!/usr/bin/env python3
"""Mutation fuzzing of the tools: mutates the example programs (pwvm) or the committed
traces (pwreplay) and runs each mutant.

Every run must end within the time limit, without a sanitizer report, with an expected exit
code (pwvm: 0, 1 for a VmError, 2 for bad input; pwreplay: 0, 1 for a divergence, 2 for
bad input), and a divergence or bad input must be reported in exactly one line on stderr. Point it at a sanitizer build to catch memory errors
that do not crash:

    tests/fuzz/mutate.py programs --bin build-asan/tools/pwvm --runs 500 --seed 7
    tests/fuzz/mutate.py traces --bin build-asan/tools/pwreplay --runs 300
"""
import argparse, glob, os, random, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def mutate_program(s):
    for _ in range(random.randint(1, 4)):
        i = random.randrange(len(s))
        r = random.random()
        if r < 0.4:
            s[i] = random.randrange(256)
        elif r < 0.6:
            del s[i:i + random.randint(1, 20)]
        elif r < 0.8:
            j = random.randrange(len(s))
            s[i:i] = s[j:j + random.randint(1, 30)]
        else:
            lines = s.split(b'\n')
            a, b = random.randrange(len(lines)), random.randrange(len(lines))
            lines[a], lines[b] = lines[b], lines[a]
            s = bytearray(b'\n'.join(lines))
    return s


def mutate_trace(s):
    for _ in range(random.randint(1, 3)):
        i = random.randrange(len(s))
        r = random.random()
        if r < 0.6:
            s[i] = random.randrange(256)
        elif r < 0.8:
            s = s[:i]
        else:
            s[i:i] = bytes(random.randrange(256) for _ in range(random.randint(1, 16)))
    return s


# mode: (inputs, suffix, mutator, the commands to run on a mutant, accepted exit codes, default binary)
MODES = {
    'programs': ('examples/*.pwa', '.pwa', mutate_program,
                 lambda p: [['run', p, '--max-steps', '200000', '--allow', 'all', '--seed', '1', '--max-heap', '64M'],
                            ['debug', p, '--max-steps', '200000', '--allow', 'all', '--seed', '1', '--max-heap', '64M',
                             '--batch', '-ex', 'continue', '-ex', 'reverse-step', '-ex', 'backtrace', '-ex', 'info locals',
                             '-ex', 'reverse-finish', '-ex', 'goto 0', '-ex', 'next']],
                 (0, 1, 2), 'build/tools/pwvm'),
    'traces': ('traces/*.pwtrace', '.pwtrace', mutate_trace,
               lambda p: [['info', p, '--json'], ['events', p], ['verify', p], ['state', p, '--at', 'end'],
                          ['watch', p, '$depth'], ['calls', p, 'main'],
                          ['perf', p, '--json', '--threads', '2', '--leak-min-bytes', '0'],
                          ['debug', p, '--at', 'end', '--batch', '-ex', 'backtrace', '-ex', 'reverse-step', '-ex',
                           'reverse-finish', '-ex', 'info locals', '-ex', 'info heap', '-ex', 'goto 0', '-ex', 'continue']],
               (0, 1, 2), 'build/tools/pwreplay'),
}


def problem_of(binary, args, accepted):
    try:
        r = subprocess.run([binary] + args, stdin=subprocess.DEVNULL, capture_output=True, timeout=20)
    except subprocess.TimeoutExpired:
        return 'hang'
    if b'Sanitizer' in r.stderr or b'runtime error' in r.stderr:
        return 'sanitizer report'
    if r.returncode not in accepted:
        return f'exit {r.returncode}'
    if r.returncode == 2 and r.stderr.count(b'\n') != 1:
        return 'bad input reported in more than one line'
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('mode', choices=MODES)
    ap.add_argument('--bin', help='the binary to run (default: the release build)')
    ap.add_argument('--runs', type=int, default=500)
    ap.add_argument('--seed', type=int, default=1)
    args = ap.parse_args()
    pattern, suffix, mutate, commands, accepted, default_bin = MODES[args.mode]
    binary = args.bin or os.path.join(ROOT, default_bin)
    random.seed(args.seed)
    inputs = [open(f, 'rb').read() for f in sorted(glob.glob(os.path.join(ROOT, pattern)))]
    work = tempfile.mkdtemp(prefix='pw-fuzz-')
    failures = 0
    for n in range(args.runs):
        mutant = mutate(bytearray(random.choice(inputs)))
        path = os.path.join(work, 'mutant' + suffix)
        open(path, 'wb').write(mutant)
        for command in commands(path):
            problem = problem_of(binary, command, accepted)
            if problem:
                failures += 1
                kept = os.path.join(work, f'failure-{n}{suffix}')
                open(kept, 'wb').write(mutant)
                print(f'{problem} ({command[0]}): {kept}')
    print(f'{args.runs} mutants, {failures} failures')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
