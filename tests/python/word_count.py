#!/usr/bin/env python3
"""A real heronpy topology: a word spout (parallelism 2) feeding a counting bolt (parallelism 2) through a
fields grouping on `word`, on 2 stream managers, with some topology config.

Run it the way `heron submit cluster/role/env word_count.py -` (or its .pex) does: with HERON_OPTIONS set,
heronpy's build_and_submit() writes <cmdline.topologydefn.tmpdirectory>/<name>.defn.

usage: word_count.py [NAME]     (default name: WordCount; cmdline.topology.name in HERON_OPTIONS wins)
"""

import sys

from heronpy.api.bolt.bolt import Bolt
from heronpy.api.spout.spout import Spout
from heronpy.api.stream import Grouping
from heronpy.api.topology import TopologyBuilder
import heronpy.api.api_constants as constants


class WordSpout(Spout):
    outputs = ["word"]

    def initialize(self, config, context):
        self.words = ["heron", "aurora", "storm", "stream", "tuple"]
        self.i = 0

    def next_tuple(self):
        self.i = (self.i + 1) % len(self.words)
        self.emit([self.words[self.i]])


class CountBolt(Bolt):
    outputs = ["word", "count"]

    def initialize(self, config, context):
        self.counts = {}

    def process(self, tup):
        word = tup.values[0]
        self.counts[word] = self.counts.get(word, 0) + 1
        self.emit([word, self.counts[word]])


def main():
    name = sys.argv[1] if len(sys.argv) > 1 else "WordCount"
    builder = TopologyBuilder(name)
    spout = builder.add_spout("word", WordSpout, par=2)
    builder.add_bolt(
        "count",
        CountBolt,
        par=2,
        inputs={spout: Grouping.fields("word")},
        config={"count.bolt.note": "per-component value"},
    )
    builder.set_config(
        {
            constants.TOPOLOGY_STMGRS: 2,
            constants.TOPOLOGY_RELIABILITY_MODE: constants.TopologyReliabilityMode.ATLEAST_ONCE,
            constants.TOPOLOGY_MAX_SPOUT_PENDING: 500,
            constants.TOPOLOGY_MESSAGE_TIMEOUT_SECS: 45,
            "heronrs.custom.string": "a value with spaces",
            # A non-string value: heronpy stores it Python-serialized in the .defn.
            "heronrs.custom.dict": {"x": 1, "y": [2, 3]},
        }
    )
    builder.build_and_submit()


if __name__ == "__main__":
    main()
