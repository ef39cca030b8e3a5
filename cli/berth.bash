# SPDX-License-Identifier: LGPL-2.1-or-later
# bash completion for berth                                -*- shell-script -*-
#
# Installed as `berth` in bash-completion's completions folder, which loads
# it the first time berth's arguments are completed.
#
# The commands, subcommands and options come from the `--help` of the berth
# being completed, read at each completion (a berth --help takes about a
# millisecond): a list kept here would fall behind the commands. Only what
# --help cannot say is kept here: the values of some options, and the
# aliases that --help does not print. Containers and images come from
# `berth list --format json` and `berth image list --format json`, in the
# state folder of a --root given before the command (or $BERTH_ROOT, else
# berth's default for whoever completes: root's, or a user's own, rootless
# one), and only when that folder exists and is readable: a root shell's
# completion knows root's containers, a user's knows the user's own (also
# in front of `sudo berth`, which it cannot tell from `berth`).

# Whether the berth being completed is a user's (rootless): as berth
# decides, by the effective uid.
_berth_rootless()
{
    ((EUID != 0))
}

# The state folder the berth being completed uses, as common/paths.c
# finds it: --root, $BERTH_ROOT, else root's default or the user's
# ($XDG_DATA_HOME/berth when that is an absolute path, else
# ~/.local/share/berth).
_berth_state_dir()
{
    if [[ -n ${_berth_root:-${BERTH_ROOT:-}} ]]; then
        printf '%s\n' "${_berth_root:-$BERTH_ROOT}"
    elif ! _berth_rootless; then
        printf '%s\n' /var/lib/berth
    elif [[ ${XDG_DATA_HOME:-} == /* ]]; then
        printf '%s\n' "$XDG_DATA_HOME/berth"
    else
        printf '%s\n' "$HOME/.local/share/berth"
    fi
}

# The berth being completed, with the global options that choose its state:
# _berth_run ARGS...
_berth_run()
{
    local bin=${words[0]}
    [[ $bin == */* && -x $bin ]] || bin=berth
    "$bin" ${_berth_root:+--root "$_berth_root"} "$@" 2>/dev/null
}

# The subcommands a `--help` lists: the lines of its "Commands:" section
# that start with one word (and their aliases), or, without that section,
# the plain words after `berth CMD` on its Usage line.
_berth_subcommands()
{
    local help=$1 cmd=$2
    if [[ $help == *$'\nCommands:\n'* ]]; then
        local line
        while IFS= read -r line; do
            [[ $line =~ ^\ \ ([a-z][a-z0-9-]*)(\ |$) ]] || continue
            printf '%s\n' "${BASH_REMATCH[1]}"
            [[ $line =~ \(alias:\ ([a-z][a-z0-9-]*)\) ]] && printf '%s\n' "${BASH_REMATCH[1]}"
        done <<<"${help#*$'\nCommands:\n'}"
        return
    fi
    local usage=${help%%$'\n'*} w toks
    read -ra toks <<<"${usage#*berth "$cmd"}"
    for w in "${toks[@]}"; do
        [[ $w =~ ^[a-z][a-z0-9-]*$ ]] || break
        printf '%s\n' "$w"
    done
}

# The options of a --help, one a line as "OPTION ARG", ARG being 1 when the
# option takes a value as the next word. Options are the lines that start
# with one (the option column); the value is what follows the option's name
# in that column. For a group's help that lists its subcommands with their
# options (berth image --help), only the options of subcommand $2.
_berth_options()
{
    local help=$1 sub=${2:-} line group=0 in=1 text=0 opts arg o toks rest
    if [[ -n $sub && $help == *$'\nCommands:\n'* ]]; then
        group=1 in=0
    fi
    while IFS= read -r line; do
        if [[ $group == 1 && $line =~ ^\ \ ([a-z][a-z0-9-]*)(\ |$) ]]; then
            in=0
            [[ ${BASH_REMATCH[1]} == "$sub" || $line == *"(alias: $sub)"* ]] && in=1
            # Options on the subcommand's own line: "list [--format json]",
            # "rm [-f] NAME...": a bracket left open holds a value.
            [[ $in == 1 ]] || continue
            read -ra toks <<<"$line"
            for o in "${toks[@]}"; do
                [[ ${o:0:2} == "[-" ]] || continue
                o=${o:1}
                if [[ ${o: -1} == "]" ]]; then
                    printf '%s 0\n' "${o%?}"
                else
                    printf '%s 1\n' "$o"
                fi
            done
            continue
        fi
        [[ $in == 1 ]] || continue
        # And the aliases that the text of the options names: "(alias
        # --memory)" (whether they take a value: _berth_takes_value).
        [[ $line == Options:* ]] && text=1
        rest=$line
        while ((text)) && [[ $rest =~ (^|[^a-z0-9-])(--[a-z][a-z0-9-]+)(.*)$ ]]; do
            printf '%s 0\n' "${BASH_REMATCH[2]}"
            rest=${BASH_REMATCH[3]}
        done
        if [[ $line =~ ^\ \ (-[A-Za-z]),\ (--[a-z0-9-]+)(.*)$ ]]; then
            opts="${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"
            arg=${BASH_REMATCH[3]}
        elif [[ $line =~ ^\ {2,6}(--?[A-Za-z0-9][a-z0-9-]*)(.*)$ ]]; then
            opts=${BASH_REMATCH[1]}
            arg=${BASH_REMATCH[2]}
        else
            continue
        fi
        # "--name NAME": a value; "--pin-cpu[=CPU]", "--rm": none apart.
        [[ $arg == \ [^\ ]* ]] && arg=1 || arg=0
        for o in $opts; do
            printf '%s %s\n' "$o" "$arg"
        done
    done <<<"$help"
}

# Whether option $1 of the current command takes a value as the next word.
_berth_takes_value()
{
    case $1 in
    # Aliases that --help does not print (berth run --help, berth update --help).
    -v | --volume | --network | --memory | --cpu-quota | --cpus | --memory-swap | \
        --device-write-bps | --device-read-bps | --root | --timeout)
        return 0
        ;;
    esac
    [[ $'\n'$_berth_opts == *$'\n'"$1 1"$'\n'* ]]
}

# The names of the containers, of those in the states given if any:
# _berth_containers [STATE...]
_berth_containers()
{
    local json names states i
    # Only a state folder that exists: `berth list` would make one.
    [[ -e $(_berth_state_dir)/state.db ]] || return
    json=$(_berth_run list --format json) || return
    # One "name" and one "state" per container, in the same order; names
    # and states hold no quotes or backslashes.
    mapfile -t names < <(grep -o '"name": *"[^"]*"' <<<"$json" | sed 's/.*"\([^"]*\)"$/\1/')
    mapfile -t states < <(grep -o '"state": *"[^"]*"' <<<"$json" | sed 's/.*"\([^"]*\)"$/\1/')
    for i in "${!names[@]}"; do
        if (($# == 0)) || [[ " $* " == *" ${states[i]} "* ]]; then
            printf '%s\n' "${names[i]}"
        fi
    done
}

_berth_images()
{
    [[ -e $(_berth_state_dir)/state.db ]] || return
    _berth_run image list --format json | grep -o '"name": *"[^"]*"' | sed 's/.*"\([^"]*\)"$/\1/'
}

# Completes the value of option $1 (the previous word) in $cur.
_berth_value()
{
    case $1 in
    --root | -v | --volume | --mount | --env-file | --pidfile | -o | --output | --layers | \
        -M | --propagate-mount)
        _filedir
        ;;
    --io-device | --device-write-bps | --device-read-bps)
        cur=${cur:-/dev/}
        _filedir
        ;;
    --format)
        if [[ "$_berth_cmd $_berth_sub" == "image save" ]]; then
            COMPREPLY=($(compgen -W "oci-archive docker-archive" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "table json text" -- "$cur"))
        fi
        ;;
    --pull)
        COMPREPLY=($(compgen -W "missing always never" -- "$cur"))
        ;;
    --tls-verify)
        COMPREPLY=($(compgen -W "true false" -- "$cur"))
        ;;
    --platform)
        COMPREPLY=($(compgen -W "linux/amd64 linux/arm64 linux/arm/v7 linux/386 linux/ppc64le linux/s390x linux/riscv64" -- "$cur"))
        __ltrim_colon_completions "$cur"
        ;;
    --cert-dir)
        _filedir -d
        ;;
    --authfile | --digestfile | -o | --output | -i | --input)
        _filedir
        ;;
    --net | --network)
        if [[ $cur == container:* ]]; then
            COMPREPLY=($(compgen -P container: -W "$(_berth_containers running)" -- "${cur#container:}"))
        else
            # A user's berth: pasta, and none of berth's networks (they
            # need root). Root's: its networks; pasta is meant for
            # rootless containers.
            local nets=
            if _berth_rootless; then
                nets=pasta
            else
                nets=bridge
                [[ -e $(_berth_state_dir)/state.db ]] &&
                    nets+=" $(_berth_run network ls -q)"
            fi
            COMPREPLY=($(compgen -W "private none host container: $nets" -- "$cur"))
            [[ ${COMPREPLY[*]} == container: ]] && compopt -o nospace
        fi
        ;;
    --uts | --pid)
        COMPREPLY=($(compgen -W "private host" -- "$cur"))
        ;;
    --ipc)
        if [[ $cur == container:* ]]; then
            COMPREPLY=($(compgen -P container: -W "$(_berth_containers running)" -- "${cur#container:}"))
        else
            COMPREPLY=($(compgen -W "private host container:" -- "$cur"))
            [[ ${COMPREPLY[*]} == container: ]] && compopt -o nospace
        fi
        ;;
    --userns)
        # auto needs root; keep-id is a user's only.
        if _berth_rootless; then
            COMPREPLY=($(compgen -W "host keep-id" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "auto host" -- "$cur"))
        fi
        ;;
    --security-opt)
        if [[ $cur == seccomp=* ]]; then
            local prefix=seccomp=
            cur=${cur#seccomp=}
            _filedir
            COMPREPLY=("${COMPREPLY[@]/#/$prefix}")
        else
            COMPREPLY=($(compgen -W "seccomp=unconfined seccomp=" -- "$cur"))
            compopt -o nospace
        fi
        ;;
    --restart)
        COMPREPLY=($(compgen -W "no on-success on-failure on-abnormal on-watchdog on-abort always" -- "$cur"))
        ;;
    -e | --events)
        [[ $_berth_cmd == trace ]] &&
            COMPREPLY=($(compgen -W "fork exec exit cgroup ns mount oom all" -- "$cur"))
        ;;
    --stop-signal)
        COMPREPLY=($(compgen -W "SIGTERM SIGINT SIGQUIT SIGHUP SIGUSR1 SIGUSR2 SIGWINCH" -- "$cur"))
        ;;
    esac
}

_berth()
{
    local cur prev words cword split
    _init_completion -s -n : || return

    # The global options, the command and its subcommand, and the words
    # that are neither options nor their values (the arguments).
    local _berth_root="" _berth_cmd="" _berth_sub="" _berth_opts="" help
    local i w args=() cmd_at=0
    for ((i = 1; i < cword; i++)); do
        w=${words[i]}
        if [[ -z $_berth_cmd ]]; then
            case $w in
            --root) _berth_root=${words[i + 1]} && ((i++)) ;;
            --root=*) _berth_root=${w#--root=} ;;
            -*) ;;
            *) _berth_cmd=$w cmd_at=$i ;;
            esac
        fi
    done
    # A quoted or ~ path given to --root, as the shell will see it.
    [[ -n $_berth_root ]] && __expand_tilde_by_ref _berth_root

    if [[ -z $_berth_cmd ]]; then
        if [[ $prev == --root ]]; then
            _filedir -d
        elif [[ $cur == -* ]]; then
            help=$(_berth_run --help)
            COMPREPLY=($(compgen -W "$(_berth_options "$help" | cut -d' ' -f1 | sort -u)" -- "$cur"))
        else
            help=$(_berth_run --help)
            COMPREPLY=($(compgen -W "$(_berth_subcommands "$help")" -- "$cur"))
        fi
        return
    fi

    help=$(_berth_run "$_berth_cmd" --help)
    local subs
    subs=$(_berth_subcommands "$help" "$_berth_cmd")
    # The words after the command: the subcommand, options, arguments.
    local end_of_options=0
    _berth_opts=$(_berth_options "$help")
    for ((i = cmd_at + 1; i < cword; i++)); do
        w=${words[i]}
        if [[ -n $subs && -z $_berth_sub && $w != -* ]]; then
            _berth_sub=$w
            local subhelp
            subhelp=$(_berth_run "$_berth_cmd" "$_berth_sub" --help)
            [[ -z $subhelp ]] && subhelp=$help
            _berth_opts=$(_berth_options "$subhelp" "$_berth_sub")
            continue
        fi
        if ((end_of_options)) || [[ $w != -* ]]; then
            args+=("$w")
            # Options end at run's IMAGE and exec's CONTAINER (what follows
            # is the command's).
            [[ $_berth_cmd == run || $_berth_cmd == exec ]] && end_of_options=1
        elif [[ $w == --* && $w != *=* ]] && _berth_takes_value "$w"; then
            ((i++))
        elif [[ $w == -[A-Za-z] ]] && _berth_takes_value "$w"; then
            ((i++))
        fi
    done

    # The command's own arguments (run's COMMAND, exec's): files.
    if ((end_of_options)); then
        _filedir
        return
    fi

    if [[ -n $subs && -z $_berth_sub ]]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "$(cut -d' ' -f1 <<<"$_berth_opts" | sort -u)" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$subs" -- "$cur"))
        fi
        return
    fi

    if [[ $split == true ]] || [[ $prev == -* ]] && _berth_takes_value "$prev"; then
        _berth_value "$prev"
        __ltrim_colon_completions "$cur"
        return
    fi

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(cut -d' ' -f1 <<<"$_berth_opts" | sort -u)" -- "$cur"))
        [[ ${COMPREPLY[*]} == *= ]] && compopt -o nospace
        return
    fi

    local n=${#args[@]}
    case $_berth_cmd${_berth_sub:+ $_berth_sub} in
    run)
        # IMAGE: an image's name or a root filesystem folder.
        COMPREPLY=($(compgen -W "$(_berth_images)" -- "$cur"))
        _filedir -d
        ;;
    stop | freeze)
        COMPREPLY=($(compgen -W "$(_berth_containers running)" -- "$cur"))
        ;;
    exec)
        ((n == 0)) && COMPREPLY=($(compgen -W "$(_berth_containers running)" -- "$cur"))
        ;;
    thaw)
        COMPREPLY=($(compgen -W "$(_berth_containers paused)" -- "$cur"))
        ;;
    start)
        COMPREPLY=($(compgen -W "$(_berth_containers created exited stopped)" -- "$cur"))
        ;;
    inspect | rm | trace)
        COMPREPLY=($(compgen -W "$(_berth_containers)" -- "$cur"))
        ;;
    status | logs | update | "generate systemd")
        ((n == 0)) && COMPREPLY=($(compgen -W "$(_berth_containers)" -- "$cur"))
        ;;
    "image create")
        ((n == 0)) && COMPREPLY=($(compgen -W "busybox" -- "$cur"))
        ;;
    "image import")
        if ((n == 1)); then
            if [[ $cur == oci:* || $cur == docker-archive:* ]]; then
                local prefix=${cur%%:*}:
                cur=${cur#*:}
                _filedir
                COMPREPLY=("${COMPREPLY[@]/#/$prefix}")
            else
                _filedir
                COMPREPLY+=($(compgen -W "oci: docker-archive:" -- "$cur"))
            fi
            __ltrim_colon_completions "$cur"
        fi
        ;;
    "image inspect" | "image rm")
        COMPREPLY=($(compgen -W "$(_berth_images)" -- "$cur"))
        ;;
    "image push" | "image tag" | "image save")
        ((n == 0)) && COMPREPLY=($(compgen -W "$(_berth_images)" -- "$cur"))
        __ltrim_colon_completions "$cur"
        ;;
    commit)
        ((n == 0)) && COMPREPLY=($(compgen -W "$(_berth_containers)" -- "$cur"))
        ;;
    esac
} &&
    complete -F _berth berth
