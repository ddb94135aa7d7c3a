package com.example.heron.wordcount;

import java.util.Map;

import org.apache.heron.api.spout.BaseRichSpout;
import org.apache.heron.api.spout.SpoutOutputCollector;
import org.apache.heron.api.topology.OutputFieldsDeclarer;
import org.apache.heron.api.topology.TopologyContext;
import org.apache.heron.api.tuple.Fields;
import org.apache.heron.api.tuple.Values;

/** Emits the same few sentences forever, each with a message id so it is replayed if it fails. */
public class SentenceSpout extends BaseRichSpout {
  private static final long serialVersionUID = 1L;
  private static final String[] SENTENCES = {
    "the quick brown fox jumps over the lazy dog",
    "a stream is an unbounded sequence of tuples",
    "spouts emit tuples and bolts process them",
  };

  private transient SpoutOutputCollector collector;
  private long next;

  @Override
  public void open(Map<String, Object> conf, TopologyContext context,
                   SpoutOutputCollector collector) {
    this.collector = collector;
  }

  @Override
  public void nextTuple() {
    String sentence = SENTENCES[(int) (next % SENTENCES.length)];
    collector.emit(new Values(sentence), next);
    next++;
  }

  @Override
  public void declareOutputFields(OutputFieldsDeclarer declarer) {
    declarer.declare(new Fields("sentence"));
  }
}
