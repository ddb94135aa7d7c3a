import os
d = [kv.split("=",1)[1] for kv in os.environ["HERON_OPTIONS"].split(",") if kv.startswith("cmdline.topologydefn.tmpdirectory=")][0]
open(os.path.join(d,"a.defn"),"wb").write(b"x")
open(os.path.join(d,"b.defn"),"wb").write(b"y")
