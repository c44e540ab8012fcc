"""Linear-probe ceiling of the digit-scenes label on raw pixels (Docs/results.md, section 4).

Multinomial logistic regression (L-BFGS, L2 1e-2) on the standardised grayscale pixels of the
training scenes, scored on the test scenes. Needs torch, numpy and pillow; run from the repository root
after `alip data digit-scenes --out data/digit-scenes`:  python3 Docs/results/pixel-probe.py
"""
import torch, numpy as np, csv
from PIL import Image
torch.set_num_threads(2)
def load(split):
    X=[];y=[]
    with open(f'data/digit-scenes/{split}.tsv') as f:
        r=csv.DictReader(f,delimiter='\t')
        for row in r:
            im=np.asarray(Image.open('data/digit-scenes/'+row['image']).convert('L'),dtype=np.float32)/255.
            X.append(im.reshape(-1)); y.append(int(row['label']))
    return torch.tensor(np.stack(X)), torch.tensor(y)
Xtr,ytr=load('train'); Xte,yte=load('test')
m=Xtr.mean(0); s=Xtr.std(0)+1e-3; Xtr=(Xtr-m)/s; Xte=(Xte-m)/s
W=torch.zeros(Xtr.shape[1],10,requires_grad=True); b=torch.zeros(10,requires_grad=True)
opt=torch.optim.LBFGS([W,b],max_iter=500,history_size=10,line_search_fn='strong_wolfe')
for lam in [1e-2]:
    def closure():
        opt.zero_grad(); l=torch.nn.functional.cross_entropy(Xtr@W+b,ytr)+lam/2*(W**2).sum(); l.backward(); return l
    opt.step(closure)
    print('pixel probe lam',lam,'train',((Xtr@W+b).argmax(1)==ytr).float().mean().item(),'test',((Xte@W+b).argmax(1)==yte).float().mean().item())
