/* libampfit as a BLHA one-loop provider (OLP): the functions Sherpa's LH_OLE
 * (BLHA1), Herwig's Matchbox and MadGraph-style drivers call, with the
 * signatures of OpenLoops' openloops.h, so a generator that drives OpenLoops
 * can drive ampfit surrogates by linking -lampfit instead.
 *
 * The contract file (the BLHA answer file) is the ordinary one — subprocess
 * lines "21 21 -> 22 22 21 | 1 7" give each subprocess its id — with a few
 * OLP-specific keywords that say which surrogate answers the subprocess lines
 * that follow them (paths are relative to the contract file):
 *   AmpfitModel <model dir or model.ampfit>   (inputs four-momenta, or zz
 *                               coordinates with a momentum map: ampfit_eval_momenta)
 *   AmpfitSet <set dir>  then  AmpfitMember <function name>   (src/sets/)
 *   AmpfitBorn <model> | none   the Born |M_tree|^2 (needed for AmplitudeType
 *                               Loop and for Born-normalised models)
 *   AmpfitParameter <name> <value>   a parameter the training data used: a
 *                               later OLP_SetParameter of it must agree
 *   AmpfitScale <mu>            the scale the data were made at: other mu fail
 * and BLHA's AmplitudeType (Loop, the default; Tree; LoopInduced).
 *
 * Results (rval) as BLHA2 defines them per AmplitudeType:
 *   Loop:              rval[0..3] = 1/eps^2, 1/eps, finite, Born; the surrogate
 *                      is the finite part in its training data's scheme and
 *                      learns no poles, so rval[0] = rval[1] = 0
 *   Tree, LoopInduced: rval[0] = the value
 * acc = the learned relative uncertainty sigma/|value| of rval's value (NaN
 * when the model learned none). A point that cannot be evaluated (unknown id,
 * momenta outside the model's domain, a scale or alpha_s that contradicts the
 * contract) gives NaN in rval and acc and leaves the reason in
 * ampfit_last_error(). pp holds 5 doubles per particle, (E, px, py, pz, m),
 * incoming particles first, physical (positive-energy) momenta.
 *
 * OLP_Start is not thread-safe (call it once, before the threads start); the
 * evaluations only read what it built and may run on any number of threads. */
#ifndef AMPFIT_BLHA_H
#define AMPFIT_BLHA_H

#ifdef __cplusplus
extern "C" {
#endif

/* Reads the contract; *ierr = 1 on success, 0 on failure (ampfit_last_error() says why). */
void OLP_Start(const char *contract, int *ierr);
/* NUL-terminated name, version and a citation line. */
void OLP_Info(char olp_name[15], char olp_version[15], char message[255]);
/* *ierr = 1: agrees with the contract's AmpfitParameter; 0: contradicts it
 * (or bad arguments); 2: not declared in the contract, hence ignored (the
 * surrogate's couplings and masses are those of its training data). */
void OLP_SetParameter(const char *name, const double *re, const double *im, int *ierr);
/* BLHA2. */
void OLP_EvalSubProcess2(const int *id, const double *pp, const double *mu, double *rval, double *acc);
/* BLHA1: alphas (may be NULL) is checked against a declared alpha_s, never used to rescale. */
void OLP_EvalSubProcess(int id, double *pp, double mu, double *alphas, double *rval);
/* Frees what OLP_Start loaded (not part of BLHA; a later OLP_Start also does it). */
void ampfit_blha_finish(void);

#ifdef __cplusplus
}
#endif

#endif /* AMPFIT_BLHA_H */
