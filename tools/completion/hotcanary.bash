# SPDX-License-Identifier: GPL-2.0
# bash completion for hotcanary(8)

_hotcanary()
{
	local cur prev words cword cmd
	_init_completion || return

	local commands="watch record compare check ab run status revert recover resume version help"
	if [[ $cword -eq 1 ]] || [[ $cword -eq 2 && ${words[1]} == -v ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$commands -v" -- "$cur")
		return
	fi
	cmd=${words[1]}
	[[ $cmd == -v ]] && cmd=${words[2]}

	case $prev in
	-e | --errors)
		mapfile -t COMPREPLY < <(compgen -W "none neg zero nonzero" -- "$cur")
		return
		;;
	-m | --mode)
		if [[ $cmd == compare ]]; then
			return
		fi
		mapfile -t COMPREPLY < <(compgen -W "auto fentry kprobe" -- "$cur")
		return
		;;
	-s | --signals)
		if [[ $cmd == watch ]]; then
			mapfile -t COMPREPLY < <(compgen -W "all watched" -- "$cur")
			return
		fi
		_filedir svg
		return
		;;
	--svg | --report | -o | --output | --prom-file | -p)
		# ab's -p is its --period
		[[ $cmd == ab && $prev == -p ]] || _filedir
		return
		;;
	--state-dir | -D | --debug-dir)
		_filedir -d
		return
		;;
	-i | --interval | -d | --duration | --period | --rounds | -n | -a | --alpha | \
	-t | --threshold | --max-input-size | --match | -M)
		return
		;;
	esac

	local opts
	case $cmd in
	watch)
		opts="-i --interval -d --duration -e --errors -j --json -m --mode -s --signals
			-p --prom-file -D --debug-dir -h --help" ;;
	record)
		opts="-d --duration -o --output -i --interval -e --errors -m --mode -D --debug-dir
			-h --help" ;;
	compare)
		opts="-j --json -s --svg -a --alpha -t --threshold -M --match -m --max-input-size
			-h --help" ;;
	check)
		opts="--json -c --calls-per-second -s --sample -h --help" ;;
	run)
		opts="--dry-run --report --svg --prom-file --json -m --mode --state-dir -h --help" ;;
	ab)
		opts="-n --rounds -p --period --json --svg --report -m --mode --state-dir -h --help" ;;
	status | recover)
		opts="--state-dir" ;;
	revert | resume)
		if [[ $cur != -* ]]; then
			# rollout names: the journals in the state directory
			local dir=/var/lib/hotcanary f names=
			for f in "$dir"/*.journal; do
				[[ -e $f ]] && names="$names $(basename "$f" .journal)"
			done
			mapfile -t COMPREPLY < <(compgen -W "$names" -- "$cur")
			return
		fi
		opts="--state-dir"
		[[ $cmd == resume ]] && opts="$opts --commit --rollback" ;;
	*)
		return ;;
	esac
	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
		return
	fi
	case $cmd in
	check | run | ab)
		_filedir '@(yaml|yml)' ;;
	compare)
		_filedir json ;;
	esac
} &&
	complete -F _hotcanary hotcanary
