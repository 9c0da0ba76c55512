#!/usr/bin/env python3
"""Mutation fuzzing of pwvm: mutates the example programs and runs each mutant.

Every run must end with exit 0, 1 (a VmError) or 2 (bad input, with exactly one line on
stderr), within the time limit, and without a sanitizer report. Point it at a sanitizer
build to catch memory errors that do not crash:

    tests/fuzz/mutate_programs.py --pwvm build-asan/tools/pwvm --runs 500 --seed 7
"""
import argparse, glob, os, random, subprocess, sys, tempfile

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ap = argparse.ArgumentParser()
ap.add_argument('--pwvm', default=os.path.join(root, 'build/tools/pwvm'))
ap.add_argument('--runs', type=int, default=1000)
ap.add_argument('--seed', type=int, default=1)
args = ap.parse_args()
random.seed(args.seed)
sources = [open(f, 'rb').read() for f in sorted(glob.glob(os.path.join(root, 'examples/*.pwa')))]
work = tempfile.mkdtemp(prefix='pwvm-fuzz-')
bad = 0
for n in range(args.runs):
    s = bytearray(random.choice(sources))
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
    path = os.path.join(work, 'mutant.pwa')
    open(path, 'wb').write(s)
    try:
        r = subprocess.run([args.pwvm, 'run', path, '--max-steps', '200000', '--allow', 'all', '--seed', '1',
                            '--max-heap', '64M'], stdin=subprocess.DEVNULL, capture_output=True, timeout=20)
    except subprocess.TimeoutExpired:
        problem = 'hang'
    else:
        if b'Sanitizer' in r.stderr or b'runtime error' in r.stderr:
            problem = 'sanitizer report'
        elif r.returncode not in (0, 1, 2):
            problem = f'exit {r.returncode}'
        elif r.returncode == 2 and r.stderr.count(b'\n') != 1:
            problem = 'bad input reported in more than one line'
        else:
            continue
    bad += 1
    kept = os.path.join(work, f'failure-{n}.pwa')
    open(kept, 'wb').write(s)
    print(f'{problem}: {kept}')
print(f'{args.runs} mutants, {bad} failures')
sys.exit(1 if bad else 0)
