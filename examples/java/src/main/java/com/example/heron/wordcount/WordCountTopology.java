package com.example.heron.wordcount;

import org.apache.heron.api.Config;
import org.apache.heron.api.HeronSubmitter;
import org.apache.heron.api.topology.TopologyBuilder;
import org.apache.heron.api.tuple.Fields;

/**
 * Builds the word-count topology and hands it to Heron. Run by `heron submit` with HERON_OPTIONS
 * set; HeronSubmitter then writes the topology definition (a .defn file) where they say.
 *
 * <p>Arguments: [topology-name] (default WordCountJava).
 */
public final class WordCountTopology {
  private WordCountTopology() {
  }

  public static void main(String[] args) throws Exception {
    String name = args.length > 0 ? args[0] : "WordCountJava";

    TopologyBuilder builder = new TopologyBuilder();
    builder.setSpout("sentence", new SentenceSpout(), 2);
    builder.setBolt("split", new SplitBolt(), 2).shuffleGrouping("sentence");
    builder.setBolt("count", new CountBolt(), 2).fieldsGrouping("split", new Fields("word"));

    Config conf = new Config();
    conf.setNumStmgrs(2);
    conf.setTopologyReliabilityMode(Config.TopologyReliabilityMode.ATLEAST_ONCE);
    conf.setMessageTimeoutSecs(30);

    HeronSubmitter.submitTopology(name, conf, builder.createTopology());
  }
}
