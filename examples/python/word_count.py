#!/usr/bin/env python3
"""Word count, a Heron topology written with heronpy.

Sentences flow from a spout to a bolt that splits them into words and on to a bolt that counts
each word. The same word always reaches the same counter instance (a fields grouping on `word`).

Submit it with heron-rs (heronpy must be importable by the python that `heron` runs: set
HERON_PYTHON or the cluster key heron.cli.python to a virtualenv's python):

    python3 -m venv ~/heronpy && ~/heronpy/bin/pip install heronpy==0.20.5
    HERON_PYTHON=~/heronpy/bin/python heron submit local/$USER/devel examples/python/word_count.py -

`heron` runs this file with HERON_OPTIONS set, and heronpy's build_and_submit() writes the
topology definition (<name>.defn) where HERON_OPTIONS says. Heron's Python instances load the
code from a pex, so `heron` ships word_count.pex, a zip of this file as module word_count (and of
any module it imports from this folder); the spouts and bolts below, `__main__.X` when this file
runs as a script, are word_count.X in the pex and in the definition. Before submitting, `heron`
imports each of them from the pex alone, as an instance would (docs/cli.md).

To build the pex by hand (for examples/pipeline.sh, or to ship more than this folder), give the
function that builds the topology as the entry point, so this module is imported under its own
name rather than run as __main__ (Heron's instances cannot import __main__.X):

    python3 -m zipapp examples/python -m word_count:main -o word_count.pex
    HERON_PYTHON=~/heronpy/bin/python heron submit local/$USER/devel word_count.pex -

An optional first argument names the topology (default WordCountPython).
"""

import itertools
import sys

import heronpy.api.api_constants as constants
from heronpy.api.bolt.bolt import Bolt
from heronpy.api.spout.spout import Spout
from heronpy.api.stream import Grouping
from heronpy.api.topology import TopologyBuilder

SENTENCES = [
    "the quick brown fox jumps over the lazy dog",
    "a stream is an unbounded sequence of tuples",
    "spouts emit tuples and bolts process them",
]


class SentenceSpout(Spout):
    """Emits the same few sentences forever."""

    outputs = ["sentence"]

    def initialize(self, config, context):
        self.sentences = itertools.cycle(SENTENCES)

    def next_tuple(self):
        self.emit([next(self.sentences)])


class SplitBolt(Bolt):
    """Splits each sentence into words."""

    outputs = ["word"]

    def process(self, tup):
        for word in tup.values[0].split():
            self.emit([word], anchors=[tup])
        self.ack(tup)


class CountBolt(Bolt):
    """Counts the words it receives and logs a word's count every 1000th time it is seen."""

    outputs = []

    def initialize(self, config, context):
        self.counts = {}

    def process(self, tup):
        word = tup.values[0]
        self.counts[word] = self.counts.get(word, 0) + 1
        if self.counts[word] % 1000 == 0:
            self.log("%s: %d" % (word, self.counts[word]))
        self.ack(tup)


def main(argv=None):
    argv = sys.argv if argv is None else argv
    name = argv[1] if len(argv) > 1 else "WordCountPython"
    builder = TopologyBuilder(name=name)
    sentences = builder.add_spout("sentence", SentenceSpout, par=2)
    words = builder.add_bolt("split", SplitBolt, par=2,
                             inputs={sentences: Grouping.SHUFFLE})
    builder.add_bolt("count", CountBolt, par=2,
                     inputs={words: Grouping.fields("word")})
    builder.set_config({
        constants.TOPOLOGY_RELIABILITY_MODE: constants.TopologyReliabilityMode.ATLEAST_ONCE,
        constants.TOPOLOGY_MESSAGE_TIMEOUT_SECS: 30,
        constants.TOPOLOGY_STMGRS: 2,
    })
    builder.build_and_submit()


if __name__ == "__main__":
    main(sys.argv)
