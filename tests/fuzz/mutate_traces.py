#!/usr/bin/env python3
"""Mutation fuzzing of pwreplay: flips, truncates and splices the committed traces.

Every `pwreplay info` and `pwreplay events` run must end with exit 0 or 2 (with exactly one
line on stderr), within the time limit, and without a sanitizer report:

    tests/fuzz/mutate_traces.py --pwreplay build-asan/tools/pwreplay --runs 300
"""
import argparse, glob, os, random, subprocess, sys, tempfile

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ap = argparse.ArgumentParser()
ap.add_argument('--pwreplay', default=os.path.join(root, 'build/tools/pwreplay'))
ap.add_argument('--runs', type=int, default=300)
ap.add_argument('--seed', type=int, default=5)
args = ap.parse_args()
random.seed(args.seed)
traces = [open(f, 'rb').read() for f in sorted(glob.glob(os.path.join(root, 'traces/*.pwtrace')))]
work = tempfile.mkdtemp(prefix='pwreplay-fuzz-')
bad = 0
for n in range(args.runs):
    s = bytearray(random.choice(traces))
    for _ in range(random.randint(1, 3)):
        i = random.randrange(len(s))
        r = random.random()
        if r < 0.6:
            s[i] = random.randrange(256)
        elif r < 0.8:
            s = s[:i]
        else:
            s[i:i] = bytes(random.randrange(256) for _ in range(random.randint(1, 16)))
    path = os.path.join(work, 'mutant.pwtrace')
    open(path, 'wb').write(s)
    for cmd in (['info', '--json'], ['events']):
        try:
            r = subprocess.run([args.pwreplay, cmd[0], path] + cmd[1:], capture_output=True, timeout=20)
        except subprocess.TimeoutExpired:
            problem = 'hang'
        else:
            if b'Sanitizer' in r.stderr or b'runtime error' in r.stderr:
                problem = 'sanitizer report'
            elif r.returncode not in (0, 2):
                problem = f'exit {r.returncode}'
            elif r.returncode == 2 and r.stderr.count(b'\n') != 1:
                problem = 'bad input reported in more than one line'
            else:
                continue
        bad += 1
        kept = os.path.join(work, f'failure-{n}.pwtrace')
        open(kept, 'wb').write(s)
        print(f'{problem} ({" ".join(cmd)}): {kept}')
print(f'{args.runs} mutants, {bad} failures')
sys.exit(1 if bad else 0)
