import sys,time,torch
sys.path.insert(0,'lib')
from seqrec import models
from seqrec.models import pair_grid_factorised as PF, pair_grid_materialised as PM
d='cuda';B,L,U,N=128,100,6040,3416
torch.backends.cuda.matmul.allow_tf32=True;torch.backends.cudnn.allow_tf32=True
g=torch.Generator(device=d).manual_seed(0)
us=torch.randint(1,U+1,(B,),device=d,generator=g);it=torch.randint(0,N+1,(B,L),device=d,generator=g)
def meas(step,n=10):
 for _ in range(3):step()
 torch.cuda.synchronize();torch.cuda.empty_cache();torch.cuda.reset_peak_memory_stats();b=torch.cuda.memory_allocated();ts=[]
 for _ in range(n):
  t=time.perf_counter();step();torch.cuda.synchronize();ts.append(time.perf_counter()-t)
 p=torch.cuda.max_memory_allocated();return sorted(ts)[n//2]*1e3,(p-b)/2**30,p/2**30
def bench(name,pairs,amp):
 torch.manual_seed(0);m=models.create(name,U,N,L,pairs=pairs).to(d);o=torch.optim.Adam(m.parameters())
 T=L if m.scores_every_position else 1;c=torch.randint(1,N+1,(B,T,2),device=d,generator=g)
 def step():
  with torch.autocast('cuda',torch.bfloat16,enabled=amp):l=m(us,it,c).float().mean()
  o.zero_grad(set_to_none=True);l.backward();o.step()
 ms,gb,t=meas(step);print(f'{name:8s} {pairs:13s} bf16={amp!s:5s} step {ms:8.1f} ms peak {t:6.2f} GiB above-start {gb:6.2f}',flush=True)
def first(build,amp):
 torch.manual_seed(0);conv=torch.nn.Conv2d(128,128,1).to(d);e=torch.randn(B,L,64,device=d)
 def step():
  x=e.clone().requires_grad_()
  with torch.autocast('cuda',torch.bfloat16,enabled=amp):y=build(x,conv)
  y.float().sum().backward();conv.weight.grad=None;conv.bias.grad=None
 ms,gb,t=meas(step);print(f'first-layer {build.__name__:24s} bf16={amp!s:5s} fwd+bwd {ms:7.1f} ms peak {t:6.2f} GiB above-start {gb:6.2f}',flush=True)
print(torch.cuda.get_device_name(0),torch.__version__,f'B={B} L={L} U={U} N={N}')
for amp in (False,True):
 for b in (PM,PF):first(b,amp)
for name in ('cosrec+','cosrec'):
 for amp in (False,True):
  for p in ('materialised','factorised'):bench(name,p,amp)
